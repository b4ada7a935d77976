/// Turns a growing list of token ids into text pieces that never split a character.
///
/// Byte-level tokenizers can end a token in the middle of a UTF-8 sequence; decoding such a prefix yields
/// U+FFFD. This keeps a small window of tokens (from `prefixOffset`), decodes it with and without the newest
/// tokens, and emits only the difference once it no longer ends in U+FFFD — the scheme used by
/// text-generation-inference, so each step decodes a few tokens rather than the whole output.
public struct IncrementalDetokenizer: Sendable {
    private let decode: @Sendable ([Int]) -> String
    private var tokens: [Int] = []
    private var prefixOffset = 0
    private var readOffset = 0

    /// `decode` maps token ids to text (typically `tokenizer.decode(_:skipSpecialTokens:)`).
    public init(decode: @escaping @Sendable ([Int]) -> String) {
        self.decode = decode
    }

    /// Adds `token` and returns the newly completed text (empty while a character is still incomplete).
    public mutating func append(_ token: Int) -> String {
        tokens.append(token)
        let prefix = decode(Array(tokens[prefixOffset..<readOffset]))
        let full = decode(Array(tokens[prefixOffset...]))
        // Compared by length, not content: decoders that clean up text (SentencePiece's leading space) treat the
        // window's first token the same way in both decodes, so the prefix length is what the window adds to.
        guard full.count > prefix.count, full.last != "\u{FFFD}" else { return "" }
        prefixOffset = readOffset
        readOffset = tokens.count
        return String(full.dropFirst(prefix.count))
    }

    /// Text still held back at the end of generation (an incomplete character decodes as U+FFFD).
    public mutating func flush() -> String {
        let prefix = decode(Array(tokens[prefixOffset..<readOffset]))
        let full = decode(Array(tokens[prefixOffset...]))
        prefixOffset = tokens.count
        readOffset = tokens.count
        return String(full.dropFirst(prefix.count))
    }
}

/// Finds stop strings in streamed text and holds back any tail that could still become one, so the text it
/// releases never contains a stop string or a part of one.
public struct StopStringMatcher: Sendable {
    public let stopStrings: [String]
    private var pending = ""

    public init(stopStrings: [String]) { self.stopStrings = stopStrings.filter { !$0.isEmpty } }

    /// Adds `piece`; returns the text safe to release and whether a stop string was completed (in which case the
    /// released text ends right before it).
    public mutating func feed(_ piece: String) -> (text: String, stopped: Bool) {
        pending += piece
        guard !stopStrings.isEmpty else {
            defer { pending = "" }
            return (pending, false)
        }
        let earliest = stopStrings.compactMap { pending.firstRange(of: $0)?.lowerBound }.min()
        if let earliest {
            defer { pending = "" }
            return (String(pending[..<earliest]), true)
        }
        let held = longestSuffixStartingAStopString()
        let released = String(pending.dropLast(held))
        pending = String(pending.suffix(held))
        return (released, false)
    }

    /// Text held back when the stream ends without a stop.
    public mutating func flush() -> String {
        defer { pending = "" }
        return pending
    }

    private func longestSuffixStartingAStopString() -> Int {
        var longest = 0
        for stop in stopStrings {
            for length in stride(from: min(stop.count - 1, pending.count), to: longest, by: -1)
            where stop.hasPrefix(pending.suffix(length)) {
                longest = length
                break
            }
        }
        return longest
    }
}
