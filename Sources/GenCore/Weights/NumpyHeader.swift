/// The header of a NumPy `.npy` file: a Python dict literal such as
/// `{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }`, padded with spaces and ended by a newline
/// so that the data starts on a 64-byte boundary.
struct NumpyHeader: Equatable {
    static let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)
    /// NumPy pads the header so the data starts at a multiple of this.
    static let alignment = 64
    /// NumPy leaves this many characters of spare room after the header dict so the first axis can grow in place.
    static let growthDigits = 21

    var descr: String
    var fortranOrder: Bool
    var shape: [Int]

    /// Formats the header (magic and length included) exactly as `numpy.save` does.
    func encoded() -> [UInt8] {
        let dims = shape.map(String.init)
        let shapeText = dims.count == 1 ? "(\(dims[0]),)" : "(" + dims.joined(separator: ", ") + ")"
        var dict = "{'descr': '\(descr)', 'fortran_order': \(fortranOrder ? "True" : "False"), 'shape': \(shapeText), }"
        if let growing = fortranOrder ? dims.last : dims.first {
            dict += String(repeating: " ", count: max(Self.growthDigits - growing.count, 0))
        }
        var text = Array(dict.utf8)
        func padding(prefix: Int) -> Int { (Self.alignment - (prefix + text.count + 1) % Self.alignment) % Self.alignment }
        let version1Prefix = Self.magic.count + 2 + 2
        // Version 1 stores the header length in 16 bits; longer headers need version 2's 32 bits.
        let useVersion2 = text.count + padding(prefix: version1Prefix) + 1 > Int(UInt16.max)
        let padding = padding(prefix: useVersion2 ? version1Prefix + 2 : version1Prefix)
        text.append(contentsOf: repeatElement(UInt8(ascii: " "), count: padding))
        text.append(UInt8(ascii: "\n"))
        var out = Self.magic + [useVersion2 ? 2 : 1, 0]
        if useVersion2 {
            out += withUnsafeBytes(of: UInt32(text.count).littleEndian) { Array($0) }
        } else {
            out += withUnsafeBytes(of: UInt16(text.count).littleEndian) { Array($0) }
        }
        return out + text
    }

    /// Parses the header at the start of `bytes`; returns it and the offset where the array data begins.
    static func decode(_ bytes: UnsafeRawBufferPointer, path: String) throws(GenCoreError) -> (header: NumpyHeader, dataStart: Int) {
        func invalid(_ reason: String) -> GenCoreError { .invalidWeightFile(path: path, reason: reason) }
        guard bytes.count >= magic.count + 2, Array(bytes[0..<magic.count]) == magic else {
            throw invalid("missing the \\x93NUMPY magic; this is not a .npy file")
        }
        let major = bytes[6]
        let lengthStart = magic.count + 2
        let headerLength: Int
        switch major {
        case 1:
            guard bytes.count >= lengthStart + 2 else { throw invalid("file ends inside the header length") }
            headerLength = Int(bytes[lengthStart]) | Int(bytes[lengthStart + 1]) << 8
        case 2, 3:
            guard bytes.count >= lengthStart + 4 else { throw invalid("file ends inside the header length") }
            headerLength = (0..<4).reduce(0) { $0 | Int(bytes[lengthStart + $1]) << (8 * $1) }
        default:
            throw invalid("format version \(major).\(bytes[7]) is not supported (1.0, 2.0 and 3.0 are)")
        }
        let textStart = lengthStart + (major == 1 ? 2 : 4)
        guard headerLength <= bytes.count - textStart else {
            throw invalid("header length \(headerLength) runs past the end of the \(bytes.count)-byte file")
        }
        let textBytes = UnsafeRawBufferPointer(rebasing: bytes[textStart..<(textStart + headerLength)])
        // Version 1 and 2 headers are Latin-1 (in practice ASCII); version 3 allows UTF-8.
        guard let text = String(validating: textBytes, as: UTF8.self) else { throw invalid("header is not valid text") }
        var parser = PythonLiteralParser(text: Array(text.unicodeScalars))
        let header: NumpyHeader
        do { header = try parser.parseHeader() } catch { throw invalid("cannot parse header \(text.debugDescription): \(error.message)") }
        return (header, textStart + headerLength)
    }
}

struct PythonLiteralError: Error { let message: String }

/// Reads the tiny subset of Python literals that `.npy` headers use: a dict of string keys whose values are
/// strings, `True`/`False` and tuples of non-negative integers.
private struct PythonLiteralParser {
    let text: [Unicode.Scalar]
    var position = 0

    mutating func skipSpaces() {
        while position < text.count, text[position].properties.isWhitespace { position += 1 }
    }

    mutating func expect(_ c: Unicode.Scalar) throws(PythonLiteralError) {
        skipSpaces()
        guard position < text.count, text[position] == c else { throw PythonLiteralError(message: "expected '\(c)'") }
        position += 1
    }

    mutating func peek(_ c: Unicode.Scalar) -> Bool {
        skipSpaces()
        return position < text.count && text[position] == c
    }

    mutating func parseString() throws(PythonLiteralError) -> String {
        skipSpaces()
        guard position < text.count, text[position] == "'" || text[position] == "\"" else {
            throw PythonLiteralError(message: "expected a quoted string")
        }
        let quote = text[position]
        position += 1
        var out = String.UnicodeScalarView()
        while position < text.count, text[position] != quote {
            guard text[position] != "\\" else { throw PythonLiteralError(message: "escapes in strings are not supported") }
            out.append(text[position])
            position += 1
        }
        guard position < text.count else { throw PythonLiteralError(message: "unterminated string") }
        position += 1
        return String(out)
    }

    mutating func parseWord() -> String {
        skipSpaces()
        var out = String.UnicodeScalarView()
        while position < text.count, text[position].properties.isAlphabetic || ("0"..."9").contains(text[position]) {
            out.append(text[position])
            position += 1
        }
        return String(out)
    }

    mutating func parseShape() throws(PythonLiteralError) -> [Int] {
        try expect("(")
        var dims: [Int] = []
        while !peek(")") {
            var word = parseWord()
            // Files written by Python 2 may carry a long-integer suffix.
            if word.hasSuffix("L") { word.removeLast() }
            guard let dim = Int(word), dim >= 0 else { throw PythonLiteralError(message: "shape entries must be non-negative integers") }
            dims.append(dim)
            if !peek(")") { try expect(",") }
        }
        try expect(")")
        return dims
    }

    mutating func parseHeader() throws(PythonLiteralError) -> NumpyHeader {
        try expect("{")
        var descr: String?, fortranOrder: Bool?, shape: [Int]?
        while !peek("}") {
            let key = try parseString()
            try expect(":")
            switch key {
            case "descr":
                guard descr == nil else { throw PythonLiteralError(message: "duplicate key 'descr'") }
                guard peek("'") || peek("\"") else {
                    throw PythonLiteralError(message: "structured dtypes (a list descr) are not supported")
                }
                descr = try parseString()
            case "fortran_order":
                guard fortranOrder == nil else { throw PythonLiteralError(message: "duplicate key 'fortran_order'") }
                switch parseWord() {
                case "True": fortranOrder = true
                case "False": fortranOrder = false
                default: throw PythonLiteralError(message: "fortran_order must be True or False")
                }
            case "shape":
                guard shape == nil else { throw PythonLiteralError(message: "duplicate key 'shape'") }
                shape = try parseShape()
            default:
                throw PythonLiteralError(message: "unexpected key '\(key)'")
            }
            if !peek("}") { try expect(",") }
        }
        try expect("}")
        skipSpaces()
        guard position == text.count else { throw PythonLiteralError(message: "unexpected text after the header dict") }
        guard let descr, let fortranOrder, let shape else {
            throw PythonLiteralError(message: "the header must have 'descr', 'fortran_order' and 'shape'")
        }
        return NumpyHeader(descr: descr, fortranOrder: fortranOrder, shape: shape)
    }
}
