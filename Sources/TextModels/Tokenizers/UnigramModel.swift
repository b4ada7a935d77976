/// Unigram (SentencePiece): the segmentation with the highest total log-probability (Viterbi), unknown
/// characters scored `min_score - 10` and consecutive unknowns fused, optionally falling back on byte tokens.
struct UnigramModel: TokenizerModel {
    let pieces: [String]
    let scores: [Double]
    let ids: [[Unicode.Scalar]: Int]
    let unkID: Int?
    let byteFallback: Bool
    private let trie: PrefixTrie
    private let unkScore: Double
    private let byteIDs: [Int?]

    /// Score penalty of an unknown character below the lowest piece score (SentencePiece's kUnkPenalty).
    private static let unknownPenalty = 10.0

    init(_ json: JSONValue, document: [UInt8], _ reader: ConfigReader) throws(TextModelsError) {
        let path = "model"
        guard case .deferred(let vocabRange) = json["vocab"] else { throw reader.fail("'model.vocab' must be an array") }
        let vocab: [JSONValue]
        do {
            guard let list = try JSONParser.parse(document, range: vocabRange).arrayValue else { throw reader.fail("'model.vocab' must be an array") }
            vocab = list
        } catch let error as JSONParseError {
            throw reader.fail("'model.vocab' at byte \(error.offset): \(error.reason)")
        } catch let error as TextModelsError {
            throw error
        } catch {
            throw reader.fail("'model.vocab': \(error)")
        }
        var pieces: [String] = [], scores: [Double] = []
        var ids: [[Unicode.Scalar]: Int] = [:]
        var trie = PrefixTrie()
        var minScore = Double.infinity
        for (i, item) in vocab.enumerated() {
            guard let pair = item.arrayValue, pair.count == 2, let piece = pair[0].stringValue, let score = pair[1].doubleValue else {
                throw reader.fail("'model.vocab[\(i)]' must be [piece, score]")
            }
            let scalars = Array(piece.unicodeScalars)
            pieces.append(piece)
            scores.append(score)
            ids[scalars] = i
            trie.insert(scalars, id: i)
            minScore = min(minScore, score)
        }
        self.pieces = pieces
        self.scores = scores
        self.ids = ids
        self.trie = trie
        unkScore = minScore - Self.unknownPenalty
        unkID = try reader.optionalInt(json, "unk_id", in: path)
        if let unkID, !(0..<pieces.count).contains(unkID) { throw reader.fail("Unigram unk_id \(unkID) is outside the vocabulary") }
        byteFallback = try reader.bool(json, "byte_fallback", in: path, default: false)
        byteIDs = (0..<256).map { ids[Array(byteTokenName(UInt8($0)).unicodeScalars)] }
    }

    var vocabularySize: Int { pieces.count }
    func id(for token: [Unicode.Scalar]) -> Int? { ids[token] }
    func token(for id: Int) -> String? { id >= 0 && id < pieces.count ? pieces[id] : nil }

    func tokenize(_ word: [Unicode.Scalar], into out: inout [Int], cache: inout WordCache) {
        if word.isEmpty { return }
        if let cached = cache[word] {
            out.append(contentsOf: cached)
            return
        }
        var result: [Int] = []
        for segment in segments(word) {
            let text = Array(word[segment])
            if let id = ids[text] {
                result.append(id)
                continue
            }
            if byteFallback {
                var bytes: [UInt8] = []
                for c in text { appendUTF8(c, to: &bytes) }
                let byteTokens = bytes.compactMap { byteIDs[Int($0)] }
                if byteTokens.count == bytes.count {
                    result.append(contentsOf: byteTokens)
                    continue
                }
            }
            // Without an unk id `tokenizers` raises; we drop the text, which only happens with broken files.
            if let unkID { result.append(unkID) }
        }
        if cache.count < 100_000 { cache[word] = result }
        out.append(contentsOf: result)
    }

    /// Best segmentation as scalar ranges, unknown runs fused.
    private func segments(_ s: [Unicode.Scalar]) -> [Range<Int>] {
        let n = s.count
        var bestScore = [Double](repeating: 0, count: n + 1)
        var startsAt = [Int](repeating: -1, count: n + 1)
        var nodeID = [Int](repeating: -1, count: n + 1)
        for start in 0..<n {
            let base = bestScore[start]
            var hasSingle = false
            trie.forEachPrefix(of: s, from: start) { end, id in
                let candidate = scores[id] + base
                if startsAt[end] < 0 || candidate > bestScore[end] {
                    bestScore[end] = candidate
                    startsAt[end] = start
                    nodeID[end] = id
                }
                if end == start + 1 { hasSingle = true }
            }
            if !hasSingle {
                let candidate = unkScore + base
                if startsAt[start + 1] < 0 || candidate > bestScore[start + 1] {
                    bestScore[start + 1] = candidate
                    startsAt[start + 1] = start
                    nodeID[start + 1] = unkID ?? -2
                }
            }
        }
        var result: [Range<Int>] = []
        var end = n
        var fusedUnkStart: Int?
        var fusedUnkEnd = 0
        while end > 0 {
            let start = startsAt[end]
            let isUnk = unkID != nil && nodeID[end] == unkID
            if isUnk {
                if fusedUnkStart == nil { fusedUnkEnd = end }
                fusedUnkStart = start
            } else {
                if let fs = fusedUnkStart { result.append(fs..<fusedUnkEnd); fusedUnkStart = nil }
                result.append(start..<end)
            }
            end = start
        }
        if let fs = fusedUnkStart { result.append(fs..<fusedUnkEnd) }
        return result.reversed()
    }
}

/// A scalar trie for Unigram's common-prefix search.
struct PrefixTrie: Sendable {
    private var children: [[Unicode.Scalar: Int32]] = [[:]]
    private var tokenIDs: [Int32] = [-1]

    mutating func insert(_ key: [Unicode.Scalar], id: Int) {
        var node = 0
        for c in key {
            if let child = children[node][c] {
                node = Int(child)
            } else {
                children.append([:])
                tokenIDs.append(-1)
                let child = children.count - 1
                children[node][c] = Int32(child)
                node = child
            }
        }
        tokenIDs[node] = Int32(id)
    }

    /// Calls `body(end, id)` for every key that is a prefix of `s[start...]`, shortest first.
    func forEachPrefix(of s: [Unicode.Scalar], from start: Int, _ body: (Int, Int) -> Void) {
        var node = 0
        var i = start
        while i < s.count, let child = children[node][s[i]] {
            node = Int(child)
            i += 1
            if tokenIDs[node] >= 0 { body(i, Int(tokenIDs[node])) }
        }
    }
}
