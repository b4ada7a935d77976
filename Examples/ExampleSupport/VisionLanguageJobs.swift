import Foundation
import GenCore
import Multimodal

/// One image to caption (optionally continuing a prefix, BLIP only), or one question about an image.
public struct VisionLanguageJob: Sendable, Decodable {
    public var image: String
    public var question: String?
    public var captionPrefix: String?

    enum CodingKeys: String, CodingKey { case image, question, captionPrefix = "caption_prefix" }

    public init(image: String, question: String?, captionPrefix: String? = nil) {
        self.image = image
        self.question = question
        self.captionPrefix = captionPrefix
    }

    /// Reads a JSON Lines file of `{"image": "...", "question": "..."}` objects (`question` optional; image paths
    /// relative to the file's folder), so one model load serves many images.
    public static func read(batchFile path: String) throws -> [VisionLanguageJob] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ExampleError("cannot read the batch file \(path)")
        }
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
        var jobs: [VisionLanguageJob] = []
        for (index, line) in String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline).enumerated() {
            guard !line.allSatisfy(\.isWhitespace) else { continue }
            do {
                var job = try JSONDecoder().decode(VisionLanguageJob.self, from: Data(line.utf8))
                if !job.image.hasPrefix("/") { job.image = folder.appendingPathComponent(job.image).path }
                jobs.append(job)
            } catch {
                throw ExampleError("\(path), line \(index + 1): expected {\"image\": \"…\", \"question\": \"…\"} (\(error))")
            }
        }
        return jobs
    }
}

/// What the `caption` and `vqa` examples do: load the model folder once, then for each job decode the image and
/// either stream the text to standard output or print one line of ``VisionLanguageOutput/jsonString()``.
public func runVisionLanguageJobs(
    _ jobs: [VisionLanguageJob], modelFolder: String, maxNewTokens: Int?, json: Bool
) async throws {
    let model = try VisionLanguageModel(modelDirectory: modelFolder)
    if jobs.contains(where: { $0.question != nil }), !model.answersQuestions {
        throw MultimodalError.questionsNotSupported(modelType: model.modelType)
    }
    var parameters = model.defaultParameters
    if let maxNewTokens { parameters.maxNewTokens = maxNewTokens }
    try parameters.validate()
    let clock = ContinuousClock()
    for job in jobs {
        let start = clock.now
        let image: Image
        do {
            image = try Image(contentsOfFile: job.image)
        } catch {
            throw ExampleError("\(job.image): \((error as? LocalizedError)?.errorDescription ?? "\(error)")")
        }
        let decodeTime = clock.now - start
        if json {
            var output = try model.generate(
                image: image, question: job.question, captionPrefix: job.captionPrefix, parameters: parameters)
            output.timings.imageDecode = Double(decodeTime.components.seconds)
                + Double(decodeTime.components.attoseconds) * 1e-18
            print(try output.jsonString())
            continue
        }
        if jobs.count > 1 { FileHandle.standardOutput.write(Data("\(job.image): ".utf8)) }
        if let prefix = job.captionPrefix {   // a prefixed caption is printed whole, prefix included
            print(try model.caption(image, prefix: prefix, parameters: parameters))
            continue
        }
        let stream = job.question.map { model.answerStream($0, about: image, parameters: parameters) }
            ?? model.captionStream(image, parameters: parameters)
        for try await piece in stream {
            FileHandle.standardOutput.write(Data(piece.utf8))
        }
        FileHandle.standardOutput.write(Data("\n".utf8))
    }
}
