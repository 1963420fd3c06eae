extension LoadCommand {
    /// The short options that take a value and that wrk users write glued to it: `-t2`, `-c40`,
    /// `-d2s`, `-R10k`, `-H"Accept: */*"`.
    static let gluedShortOptions: Set<Character> = ["c", "t", "d", "R", "H"]

    /// `arguments` (without the program name) with glued short options split in two, `-c40`
    /// becoming `-c 40`, when they are a `load` command line; any other command line unchanged.
    ///
    /// swift-argument-parser reads `-c40` as a cluster of flags and refuses it, so `kb-agent`
    /// calls this before parsing. Only the options above are split. A value given separately is
    /// never touched (`-H -c40` keeps the header `-c40`), nor is anything after `--`; `-c-1`
    /// becomes `-c -1`, which the options parse unconditionally to say the bound.
    public static func splittingGluedOptions(_ arguments: [String]) -> [String] {
        guard arguments.first == configuration.commandName else { return arguments }
        var result = [arguments[0]]
        var rest = arguments.dropFirst()
        while let argument = rest.popFirst() {
            if argument == "--" {
                result.append(argument)
                result += rest
                break
            }
            let characters = Array(argument)
            guard characters.count >= 2, characters[0] == "-", gluedShortOptions.contains(characters[1]) else {
                result.append(argument)
                continue
            }
            result.append(String(characters[0...1]))
            if characters.count > 2 {
                result.append(String(characters[2...]))
            } else if let value = rest.popFirst() {
                result.append(value)  // the value of `-c 40`, passed on as it is
            }
        }
        return result
    }
}
