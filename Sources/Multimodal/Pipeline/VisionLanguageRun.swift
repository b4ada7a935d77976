import Foundation
import GenCore
import TextModels

extension VisionLanguageModel {
    /// What the `caption` and `vqa` examples do: decode the image file, load the model folder (`nil`: the one
    /// bundled under `examplesFolder/DefaultModels/defaultModelName`), then either stream the text to standard
    /// output or print ``VisionLanguageOutput/jsonString()``. Any error is reported as one line on standard error,
    /// prefixed with `program`. A `captionPrefix` (BLIP's conditional captioning) is continued and printed whole.
    ///
    /// - Returns: whether it succeeded (the process should exit non-zero otherwise).
    public static func runExample(
        program: String, imagePath: String, modelFolder: String?, defaultModelName: String, examplesFolder: URL,
        question: String?, captionPrefix: String? = nil, maxNewTokens: Int?, json: Bool
    ) async -> Bool {
        do {
            let folder = try modelFolder ?? bundledExampleModel(defaultModelName, examplesFolder: examplesFolder)
            try await runExample(imagePath: imagePath, modelFolder: folder, question: question, captionPrefix: captionPrefix,
                                 maxNewTokens: maxNewTokens, json: json)
            return true
        } catch {
            let message = (error as? LocalizedError)?.errorDescription ?? "\(error)"
            FileHandle.standardError.write(Data("\(program): \(message)\n".utf8))
            return false
        }
    }

    static func runExample(
        imagePath: String, modelFolder: String, question: String?, captionPrefix: String? = nil, maxNewTokens: Int?,
        json: Bool
    ) async throws {
        let clock = ContinuousClock(), start = clock.now
        let image = try Image(contentsOfFile: imagePath)
        let decodeSeconds = seconds(clock.now - start)
        let model = try VisionLanguageModel(modelDirectory: modelFolder)
        if question != nil, !model.answersQuestions {
            throw MultimodalError.questionsNotSupported(modelType: model.modelType)
        }
        var parameters = model.defaultParameters
        if let maxNewTokens { parameters.maxNewTokens = maxNewTokens }
        try parameters.validate()
        if json {
            var output = try model.generate(image: image, question: question, captionPrefix: captionPrefix, parameters: parameters)
            output.timings.imageDecode = decodeSeconds
            print(try output.jsonString())
            return
        }
        if let captionPrefix {
            print(try model.caption(image, prefix: captionPrefix, parameters: parameters))
            return
        }
        let stream = question.map { model.answerStream($0, about: image, parameters: parameters) }
            ?? model.captionStream(image, parameters: parameters)
        for try await piece in stream {
            FileHandle.standardOutput.write(Data(piece.utf8))
        }
        FileHandle.standardOutput.write(Data("\n".utf8))
    }

    /// `examplesFolder/DefaultModels/name` when it holds a model, else an error asking for `--model`.
    static func bundledExampleModel(_ name: String, examplesFolder: URL) throws -> String {
        let folder = examplesFolder.appendingPathComponent("DefaultModels/\(name)")
        guard FileManager.default.fileExists(atPath: folder.appendingPathComponent("config.json").path) else {
            throw MultimodalError.missingFile(
                path: folder.path, purpose: "the default model; pass --model DIR with a Hugging Face model folder")
        }
        return folder.path
    }
}
