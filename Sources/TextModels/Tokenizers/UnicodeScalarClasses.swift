/// Character classes used by the pre-tokenizers and normalizers, with the definitions the Rust
/// `tokenizers` crate uses (Rust `char` methods, Oniguruma `\p{..}`, Rust-regex `\w`). They work on
/// Unicode scalars because `tokenizers` works on Rust `char`s, never on grapheme clusters.
enum ScalarClass {
    private static let letterBit: UInt8 = 1, numberBit: UInt8 = 2, whitespaceBit: UInt8 = 4, wordBit: UInt8 = 8
    private static let punctuationBit: UInt8 = 16

    /// Flags for ASCII, so the hot loops avoid Unicode property lookups for most text.
    private static let ascii: [UInt8] = (0..<128).map { code in
        let c = UInt8(code)
        var flags: UInt8 = 0
        let isLetter = (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A)
        let isDigit = c >= 0x30 && c <= 0x39
        if isLetter { flags |= letterBit | wordBit }
        if isDigit { flags |= numberBit | wordBit }
        if c == 0x5F { flags |= wordBit }
        if c == 0x20 || (c >= 0x09 && c <= 0x0D) { flags |= whitespaceBit }
        if (c >= 0x21 && c <= 0x2F) || (c >= 0x3A && c <= 0x40) || (c >= 0x5B && c <= 0x60) || (c >= 0x7B && c <= 0x7E) {
            flags |= punctuationBit
        }
        return flags
    }

    /// `\p{L}`: general category Lu, Ll, Lt, Lm or Lo.
    @inline(__always) static func isLetter(_ s: Unicode.Scalar) -> Bool {
        if s.value < 128 { return ascii[Int(s.value)] & letterBit != 0 }
        switch s.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return true
        default: return false
        }
    }

    /// `\p{N}` and Rust `char::is_numeric`: Nd, Nl or No.
    @inline(__always) static func isNumber(_ s: Unicode.Scalar) -> Bool {
        if s.value < 128 { return ascii[Int(s.value)] & numberBit != 0 }
        switch s.properties.generalCategory {
        case .decimalNumber, .letterNumber, .otherNumber: return true
        default: return false
        }
    }

    /// `\s` and Rust `char::is_whitespace`: the White_Space property.
    @inline(__always) static func isWhitespace(_ s: Unicode.Scalar) -> Bool {
        if s.value < 128 { return ascii[Int(s.value)] & whitespaceBit != 0 }
        return s.properties.isWhitespace
    }

    /// Rust-regex `\w`: Alphabetic, Mark, Decimal_Number, Connector_Punctuation or Join_Control.
    @inline(__always) static func isWordCharacter(_ s: Unicode.Scalar) -> Bool {
        if s.value < 128 { return ascii[Int(s.value)] & wordBit != 0 }
        let p = s.properties
        if p.isAlphabetic || p.isJoinControl { return true }
        switch p.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark, .decimalNumber, .connectorPunctuation: return true
        default: return false
        }
    }

    /// BERT punctuation: ASCII punctuation or a Unicode P* category.
    @inline(__always) static func isPunctuation(_ s: Unicode.Scalar) -> Bool {
        if s.value < 128 { return ascii[Int(s.value)] & punctuationBit != 0 }
        switch s.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation: return true
        default: return false
        }
    }

    /// A combining mark (Mn, Mc or Me), as removed by StripAccents.
    static func isMark(_ s: Unicode.Scalar) -> Bool {
        if s.value < 128 { return false }
        switch s.properties.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark: return true
        default: return false
        }
    }

    /// BERT's control test: Cc, Cf and Co except tab, newline and carriage return. Unassigned code points
    /// (Cn) are kept, as the Rust crate's category tables do.
    static func isBertControl(_ s: Unicode.Scalar) -> Bool {
        if s == "\t" || s == "\n" || s == "\r" { return false }
        switch s.properties.generalCategory {
        case .control, .format, .privateUse, .surrogate: return true
        default: return false
        }
    }

    /// CJK ideograph blocks that BertNormalizer surrounds with spaces.
    static func isChineseCharacter(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2A6DF, 0x2A700...0x2B73F, 0x2B740...0x2B81F,
             0x2B920...0x2CEAF, 0xF900...0xFAFF, 0x2F800...0x2FA1F: return true
        default: return false
        }
    }
}
