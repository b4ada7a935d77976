import Foundation

/// A parsed `config.json` (or any Hugging Face JSON config): its `model_type` and typed sections decoded on demand,
/// with errors that name the file and the offending field.
public struct ModelConfigFile: @unchecked Sendable {
    // @unchecked: `object` is an immutable JSON tree (NSDictionary/NSArray/NSString/NSNumber) never mutated after init.
    public let path: String
    /// `model_type`, or "" when the file has none.
    public let modelType: String
    let object: [String: Any]

    public init(path: String) throws {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw GenCoreError.io(path: path, reason: "cannot read model config (\(error.localizedDescription))")
        }
        try self.init(data: data, path: path)
    }

    public init(data: Data, path: String = "config.json") throws {
        self.path = path
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw GenCoreError.invalidConfig(path: path, reason: "not a JSON object")
        }
        self.object = object
        modelType = object["model_type"] as? String ?? ""
    }

    /// The object under `key` as a config of its own (e.g. `text_config`, `vision_config`).
    public func section(_ key: String) throws -> ModelConfigFile {
        guard let sub = object[key] as? [String: Any] else {
            throw GenCoreError.invalidConfig(path: path, reason: "missing \"\(key)\" object")
        }
        return ModelConfigFile(object: sub, path: "\(path) [\(key)]")
    }

    /// The whole file (or section) as JSON bytes, for decoders that take data.
    public func jsonData() throws -> Data {
        do { return try JSONSerialization.data(withJSONObject: object) } catch {
            throw GenCoreError.invalidConfig(path: path, reason: "cannot re-encode as JSON (\(error))")
        }
    }

    private init(object: [String: Any], path: String) {
        self.object = object
        self.path = path
        modelType = object["model_type"] as? String ?? ""
    }

    /// The raw value of a top-level key.
    public func value(_ key: String) -> Any? { object[key] }

    /// Decodes the whole file, or the sub-object under `key`, as `T`.
    public func decode<T: Decodable>(_ type: T.Type, nestedIn key: String? = nil) throws -> T {
        var section: Any = object
        if let key {
            guard let sub = object[key] as? [String: Any] else {
                throw GenCoreError.invalidConfig(path: path, reason: "missing \"\(key)\" object")
            }
            section = sub
        }
        do {
            let data = try JSONSerialization.data(withJSONObject: section)
            return try JSONDecoder().decode(T.self, from: data)
        } catch let error as DecodingError {
            throw GenCoreError.invalidConfig(path: path, reason: describe(error))
        }
    }

    private func describe(_ error: DecodingError) -> String {
        switch error {
        case let .typeMismatch(_, c), let .valueNotFound(_, c), let .keyNotFound(_, c), let .dataCorrupted(c):
            let key = c.codingPath.map(\.stringValue).joined(separator: ".")
            return key.isEmpty ? c.debugDescription : "field \"\(key)\": \(c.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }
}
