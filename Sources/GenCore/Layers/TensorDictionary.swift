/// An in-memory ``WeightSource``: weights built in code (benchmarks with random weights, tests).
public struct TensorDictionary: WeightSource {
    public var tensors: [String: Tensor]
    public let path: String

    public init(_ tensors: [String: Tensor], path: String = "<memory>") {
        self.tensors = tensors
        self.path = path
    }

    public var names: [String] { tensors.keys.sorted() }

    public func info(for name: String) throws(GenCoreError) -> SafetensorsTensorInfo {
        guard let t = tensors[name] else { throw GenCoreError.missingTensor(name: name, path: path) }
        return SafetensorsTensorInfo(name: name, dtype: SafetensorsDType(t.dtype), shape: t.shape,
                                     dataRange: 0..<(t.count * t.dtype.byteSize))
    }

    public func tensor(_ name: String) throws(GenCoreError) -> Tensor {
        guard let t = tensors[name] else { throw GenCoreError.missingTensor(name: name, path: path) }
        return t
    }
}
