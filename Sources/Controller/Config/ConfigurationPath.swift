/// Key paths as messages print them.
enum ConfigurationPath {
    /// Joins keys with dots and attaches list indices without one:
    /// `["client", "storage_tool_configs", "[2]", "mode"]` → `client.storage_tool_configs[2].mode`.
    static func render(_ components: [String]) -> String {
        var text = ""
        for component in components {
            if component.hasPrefix("[") || text.isEmpty {
                text += component
            } else {
                text += "." + component
            }
        }
        return text
    }

    /// The Levenshtein distance between two keys, used to suggest the key a typo meant.
    static func editDistance(_ lhs: String, _ rhs: String) -> Int {
        let left = Array(lhs.lowercased()), right = Array(rhs.lowercased())
        if left.isEmpty { return right.count }
        if right.isEmpty { return left.count }
        var previous = Array(0...right.count)
        var current = [Int](repeating: 0, count: right.count + 1)
        for i in 1...left.count {
            current[0] = i
            for j in 1...right.count {
                let substitution = previous[j - 1] + (left[i - 1] == right[j - 1] ? 0 : 1)
                current[j] = min(previous[j] + 1, current[j - 1] + 1, substitution)
            }
            swap(&previous, &current)
        }
        return previous[right.count]
    }

    /// The candidate nearest to `word`, if it is close enough to be a plausible typo: at most
    /// a third of the word's length in edits (and at least 1, at most 3), or `word` is a prefix.
    static func nearest(to word: String, in candidates: [String]) -> String? {
        let limit = max(1, min(3, word.count / 3))
        let scored = candidates.map { (candidate: $0, distance: editDistance(word, $0)) }
        if let best = scored.min(by: { $0.distance < $1.distance }), best.distance <= limit {
            return best.candidate
        }
        return candidates.first { $0.lowercased().hasPrefix(word.lowercased()) && word.count >= 3 }
    }
}
