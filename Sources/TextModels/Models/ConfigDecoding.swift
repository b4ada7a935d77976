#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One token id or a list of them: `config.json` and `generation_config.json` write `eos_token_id` either way.
public struct TokenIDList: Codable, Sendable, Equatable, ExpressibleByArrayLiteral {
    public var ids: [Int]

    public init(_ ids: [Int]) { self.ids = ids }
    public init(arrayLiteral elements: Int...) { ids = elements }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            ids = []
        } else if let single = try? container.decode(Int.self) {
            ids = [single]
        } else {
            ids = try container.decode([Int].self)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if ids.count == 1 { try container.encode(ids[0]) } else { try container.encode(ids) }
    }
}

extension KeyedDecodingContainer {
    /// The value at `key`, or `defaultValue` when the key is absent or `null` (transformers treats both alike).
    func decode<T: Decodable>(_ key: Key, default defaultValue: T) throws -> T {
        try decodeIfPresent(T.self, forKey: key) ?? defaultValue
    }

    /// The value at `key`; `defaultValue` when the key is absent, but `nil` when it is written as `null`
    /// (special-token ids: an explicit `null` means "none", not "the default").
    func decodeAllowingNull<T: Decodable>(_ key: Key, default defaultValue: T?) throws -> T? {
        contains(key) ? try decodeIfPresent(T.self, forKey: key) : defaultValue
    }
}

/// Reads a `config.json`-style file into `T`, turning file and JSON errors into ``TextModelsError``.
func decodeConfigurationFile<T: Decodable>(_ type: T.Type, at url: URL) throws -> T {
    let data: Data
    do {
        data = try Data(contentsOf: url)
    } catch {
        throw TextModelsError.invalidConfiguration(path: url.path, reason: "cannot read the file: \(error)")
    }
    return try decodeConfiguration(type, from: data, path: url.path)
}

/// Decodes JSON bytes into `T`, naming the failing field in the error.
func decodeConfiguration<T: Decodable>(_ type: T.Type, from data: Data, path: String) throws -> T {
    do {
        return try JSONDecoder().decode(T.self, from: data)
    } catch let error as TextModelsError {
        throw error
    } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context),
        let DecodingError.keyNotFound(_, context), let DecodingError.dataCorrupted(context)
    {
        let field = context.codingPath.map(\.stringValue).joined(separator: ".")
        throw TextModelsError.invalidConfiguration(
            path: path, reason: field.isEmpty ? context.debugDescription : "\(field): \(context.debugDescription)")
    } catch {
        throw TextModelsError.invalidConfiguration(path: path, reason: "\(error)")
    }
}

/// Collects the structural checks every decoder config needs, so each config lists its rules in one place.
struct ConfigurationChecks {
    let path: String

    func positive(_ fields: KeyValuePairs<String, Int>) throws {
        for (name, value) in fields where value <= 0 {
            throw TextModelsError.invalidConfiguration(path: path, reason: "\(name) must be positive, got \(value)")
        }
    }

    func divides(_ divisorName: String, _ divisor: Int, _ name: String, _ value: Int) throws {
        guard divisor > 0, value % divisor == 0 else {
            throw TextModelsError.invalidConfiguration(
                path: path, reason: "\(name) (\(value)) must be a multiple of \(divisorName) (\(divisor))")
        }
    }

    func positive(_ name: String, _ value: Double) throws {
        guard value > 0, value.isFinite else {
            throw TextModelsError.invalidConfiguration(path: path, reason: "\(name) must be a positive number, got \(value)")
        }
    }

    func fail(_ reason: String) -> TextModelsError {
        TextModelsError.invalidConfiguration(path: path, reason: reason)
    }
}
