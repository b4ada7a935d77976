import Testing
@testable import GenCore

/// Damaged data is generated here from good fixtures. Every case must end in a typed `GenCoreError`, never a crash;
/// where corruption can go unnoticed (entropy-coded bytes, as in PIL) a decode of the right size is also accepted.
@Suite struct ImagesDamagedInputTests {
    /// The reason of an `.invalidImage`, or nil (recording an issue) for any other outcome.
    private func invalidReason(_ bytes: [UInt8], _ label: String) -> String? {
        do {
            let image = try Image.decode(bytes, path: label)
            Issue.record("\(label): decoded to \(image.width)×\(image.height) instead of failing")
        } catch let GenCoreError.invalidImage(path, reason) {
            #expect(path == label)
            return reason
        } catch {
            Issue.record("\(label): unexpected error \(error)")
        }
        return nil
    }

    @Test func truncatedJPEGsAreErrors() throws {
        for name in ["chelsea.jpg", "coffee_progressive.jpg", "astronaut_cmyk.jpg"] {
            let bytes = try ImageFixtures.bytes(name)
            // Cuts inside the header, the entropy-coded data, and just before the EOI marker: libjpeg would pad the
            // missing rows with gray; PIL raises "image file is truncated", and so do we.
            for cut in [1, 2, 3, 20, 200, bytes.count / 3, bytes.count / 2, bytes.count - 2, bytes.count - 1] {
                let reason = invalidReason(Array(bytes.prefix(cut)), "\(name)[..<\(cut)]")
                if cut > 200 { #expect(reason?.contains("truncated") == true, "\(name) cut at \(cut): \(reason ?? "")") }
            }
        }
    }

    @Test func truncatedPNGsAreErrors() throws {
        for name in ["chelsea_rgb.png", "chelsea_rgb_interlaced.png", "coffee_palette_trns.png"] {
            let bytes = try ImageFixtures.bytes(name)
            for cut in [4, 8, 16, 33, 60, bytes.count / 2, bytes.count - 30] {
                _ = invalidReason(Array(bytes.prefix(cut)), "\(name)[..<\(cut)]")
            }
            // Only the IEND chunk missing: the pixels are complete, and PIL accepts such files too.
            let image = try Image.decode(Array(bytes.dropLast(12)))
            #expect(image == (try Image.decode(bytes)))
        }
    }

    @Test func emptyAndForeignDataAreNotImages() throws {
        #expect(invalidReason([], "empty") == "not a JPEG or PNG (the data is empty)")
        #expect(invalidReason(Array("GIF89a....".utf8), "gif")?.contains("GIF") == true)
        var rng = SeededGenerator(state: 7)
        for trial in 0..<20 {
            var noise = (0..<(1 + trial * 97)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            _ = invalidReason(noise, "noise\(trial)")
            // Noise behind a valid signature must fail inside the codecs.
            noise = [0xFF, 0xD8, 0xFF] + noise
            _ = invalidReason(noise, "jpeg-noise\(trial)")
            noise = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + noise.dropFirst(3)
            _ = invalidReason(noise, "png-noise\(trial)")
        }
    }

    @Test func corruptedHeadersAreErrors() throws {
        var jpeg = try ImageFixtures.bytes("coffee_444.jpg")
        jpeg[3] ^= 0xFF  // APP0 marker 0xE0 → 0x1F, not a marker libjpeg knows
        #expect(invalidReason(jpeg, "jpeg-marker")?.contains("marker") == true)

        var png = try ImageFixtures.bytes("chelsea_rgb.png")
        png[29] ^= 0x01  // last byte of the IHDR CRC
        #expect(invalidReason(png, "png-ihdr-crc")?.contains("CRC") == true)
        png = try ImageFixtures.bytes("chelsea_rgb.png")
        png[25] = 7  // IHDR colour type 7 does not exist; fix the CRC so the type check is what fails
        png.replaceSubrange(29..<33, with: bigEndianBytes(crc32(png[12..<29])))
        _ = invalidReason(png, "png-colour-type")
    }

    /// Random byte changes anywhere after the signature: typed error or an image of the file's size.
    @Test func flippedBytesNeverCrash() throws {
        var rng = SeededGenerator(state: 2026)
        for name in ["coffee_420.jpg", "coffee_progressive.jpg", "astronaut_cmyk.jpg", "chelsea_rgb.png",
                     "chelsea_gray4_interlaced.png", "coffee_palette_trns.png", "chelsea_exif6.jpg"] {
            let good = try ImageFixtures.bytes(name)
            let reference = try Image.decode(good)
            var decoded = 0, rejected = 0
            for _ in 0..<40 {
                var bytes = good
                for _ in 0..<Int.random(in: 1...3, using: &rng) {
                    bytes[Int.random(in: 8..<bytes.count, using: &rng)] ^= UInt8.random(in: 1...255, using: &rng)
                }
                do {
                    let image = try Image.decode(bytes, pixelLimit: 1 << 24)
                    #expect(image.pixels.count == image.width * image.height * image.channels)
                    decoded += 1
                } catch let error as GenCoreError {
                    switch error {
                    case .invalidImage, .imageTooLarge: rejected += 1
                    default: Issue.record("\(name): unexpected error \(error)")
                    }
                }
            }
            #expect(decoded + rejected == 40 && reference.width > 0)
        }
    }

    @Test func headersClaimingHugeImagesAreRefusedBeforeAllocation() throws {
        var png = try ImageFixtures.bytes("chelsea_rgb.png")
        png.replaceSubrange(16..<24, with: bigEndianBytes(100_000) + bigEndianBytes(100_000))
        png.replaceSubrange(29..<33, with: bigEndianBytes(crc32(png[12..<29])))
        #expect(throws: GenCoreError.imageTooLarge(path: "huge.png", width: 100_000, height: 100_000, limit: Image.defaultPixelLimit)) {
            try Image.decode(png, path: "huge.png")
        }
        var jpeg = try ImageFixtures.bytes("coffee_444.jpg")
        let sof = try #require(jpeg.indices.dropLast().first { jpeg[$0] == 0xFF && jpeg[$0 + 1] == 0xC0 })
        jpeg.replaceSubrange(sof + 5..<sof + 9, with: [0xEA, 0x60, 0xEA, 0x60])  // height, width = 60000
        #expect(throws: GenCoreError.imageTooLarge(path: "huge.jpg", width: 60_000, height: 60_000, limit: Image.defaultPixelLimit)) {
            try Image.decode(jpeg, path: "huge.jpg")
        }
    }

    @Test func pixelLimitIsInclusive() throws {
        let bytes = try ImageFixtures.bytes("coffee_422.jpg")  // 161 × 107
        #expect(try Image.decode(bytes, pixelLimit: 161 * 107).width == 161)
        #expect(throws: GenCoreError.imageTooLarge(path: "<memory>", width: 161, height: 107, limit: 161 * 107 - 1)) {
            try Image.decode(bytes, pixelLimit: 161 * 107 - 1)
        }
        let png = try ImageFixtures.bytes("chelsea_la.png")  // 120 × 80
        #expect(throws: GenCoreError.imageTooLarge(path: "<memory>", width: 120, height: 80, limit: 9_599)) {
            try Image.decode(png, pixelLimit: 9_599)
        }
        #expect(throws: GenCoreError.self) { try Image.decode(png, pixelLimit: -1) }
    }

    @Test func missingFileIsAnIOError() {
        let path = "/nonexistent/genkit/cat.jpg"
        #expect(throws: GenCoreError.io(path: path, reason: "no such file")) {
            try Image(contentsOfFile: path)
        }
    }
}
