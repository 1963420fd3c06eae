/// A decimal number followed by an alphabetic suffix, such as `1.5M`, `30s` or `-5ms`: the common
/// shape of the CLI's durations, rates and byte counts.
///
/// Parsed by hand because `Double(_:)` alone accepts forms users never mean (`inf`, `nan`, hex
/// floats, exponents) and FoundationEssentials has no `Scanner`.
struct NumberWithSuffix {
    /// The numeric part, with its sign.
    let number: Double
    /// Everything after the number, unchanged (may be empty).
    let suffix: Substring

    /// Splits `text`; nil when it does not start with an optionally signed decimal number.
    init?(_ text: Substring) {
        var end = text.startIndex
        if end < text.endIndex, text[end] == "-" || text[end] == "+" {
            end = text.index(after: end)
        }
        var digits = 0
        var dots = 0
        while end < text.endIndex {
            let character = text[end]
            if character.isASCII, character.isNumber {
                digits += 1
            } else if character == "." {
                dots += 1
            } else {
                break
            }
            end = text.index(after: end)
        }
        guard digits > 0, dots <= 1, let value = Double(text[text.startIndex..<end]) else { return nil }
        self.number = value
        self.suffix = text[end...]
    }

    /// Splits `text`; nil when it does not start with an optionally signed decimal number.
    init?(_ text: String) {
        self.init(Substring(text))
    }
}

extension String {
    /// The string without leading and trailing spaces and tabs (FoundationEssentials has no
    /// `trimmingCharacters(in:)`).
    func trimmingWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let first = firstIndex(where: { !isSpace($0) }),
              let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[first...last])
    }
}
