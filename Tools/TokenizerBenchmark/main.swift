// Release-mode timing of Tokenizer loading and encoding (not a test). Built and run by
// Tools/tokenizer_benchmark.sh, which compiles the tokenizer sources directly with `swiftc -O`.
// Usage: tokenizer-benchmark TOKENIZER_JSON TEXT_FILE
import Foundation

@main
struct TokenizerBenchmark {
    /// Process CPU seconds of `body`: on a shared, overloaded machine this is far steadier than wall time.
    static func seconds(_ body: () throws -> Void) rethrows -> Double {
        let start = clock()
        try body()
        return Double(clock() - start) / Double(CLOCKS_PER_SEC)
    }

    static func main() throws {
        let args = CommandLine.arguments
        guard args.count == 3 else {
            print("usage: tokenizer-benchmark TOKENIZER_JSON TEXT_FILE")
            return
        }
        let url = URL(fileURLWithPath: args[1])
        let data = try Data(contentsOf: url)
        var loadTimes: [Double] = []
        var tokenizer = try Tokenizer(json: data)
        for _ in 0..<5 {
            loadTimes.append(try seconds { tokenizer = try Tokenizer(json: data) })
        }
        loadTimes.sort()
        print(String(format: "load: %.1f ms CPU (median of 5, %d ids, %.1f MB file)", loadTimes[2] * 1000,
                     tokenizer.vocabularySize, Double(data.count) / 1e6))

        let text = try String(contentsOfFile: args[2], encoding: .utf8)
        var ids: [Int] = []
        var encodeTimes: [Double] = []
        for _ in 0..<3 { encodeTimes.append(seconds { ids = tokenizer.encode(text) }) }
        encodeTimes.sort()
        let mb = Double(text.utf8.count) / 1e6
        print(String(format: "encode: %.1f ms CPU for %.2f MB (%.1f MB/s, %d tokens, best of 3)", encodeTimes[0] * 1000, mb,
                     mb / encodeTimes[0], ids.count))
        var decoded = ""
        let decodeTime = try seconds { decoded = try tokenizer.decode(ids, skipSpecialTokens: true) }
        print(String(format: "decode: %.1f ms CPU, round trip %@", decodeTime * 1000, decoded == text ? "exact" : "differs"))
    }
}
