/// WordPiece (BERT): greedy longest-match-first over the word, later pieces carrying `##`; a word with an
/// unmatched remainder or more than `max_input_chars_per_word` characters becomes the unk token.
struct WordPieceModel: TokenizerModel {
    let vocabulary: Vocabulary
    let unkID: Int
    let continuingSubwordPrefix: [Unicode.Scalar]
    let maxInputCharsPerWord: Int

    init(_ json: JSONValue, document: [UInt8], _ reader: ConfigReader) throws(TextModelsError) {
        let path = "model"
        guard case .deferred(let vocabRange) = json["vocab"] else { throw reader.fail("'model.vocab' must be an object") }
        vocabulary = try Vocabulary(document: document, range: vocabRange, reader: reader)
        let unk = try reader.optionalString(json, "unk_token", in: path) ?? "[UNK]"
        guard let unkID = vocabulary.id(Array(unk.unicodeScalars)) else { throw reader.fail("WordPiece unk_token '\(unk)' is not in the vocabulary") }
        self.unkID = unkID
        continuingSubwordPrefix = Array((try reader.optionalString(json, "continuing_subword_prefix", in: path) ?? "##").unicodeScalars)
        maxInputCharsPerWord = try reader.optionalInt(json, "max_input_chars_per_word", in: path) ?? 100
    }

    var vocabularySize: Int { vocabulary.count }
    func id(for token: [Unicode.Scalar]) -> Int? { vocabulary.id(token) }
    func token(for id: Int) -> String? { vocabulary.string(id) }

    func tokenize(_ word: [Unicode.Scalar], into ids: inout [Int], cache: inout WordCache) {
        if word.count > maxInputCharsPerWord {
            ids.append(unkID)
            return
        }
        var pieces: [Int] = []
        var start = 0
        var candidate: [Unicode.Scalar] = []
        while start < word.count {
            var end = word.count
            var found: Int?
            while start < end {
                candidate.removeAll(keepingCapacity: true)
                if start > 0 { candidate.append(contentsOf: continuingSubwordPrefix) }
                candidate.append(contentsOf: word[start..<end])
                if let id = vocabulary.id(candidate) {
                    found = id
                    break
                }
                end -= 1
            }
            guard let id = found else {
                ids.append(unkID)
                return
            }
            pieces.append(id)
            start = end
        }
        ids.append(contentsOf: pieces)
    }
}
