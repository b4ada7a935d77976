import Foundation
import Testing
import VisionEncoder

/// `preprocessor_config.json` resolution against transformers 5.23's class defaults (read from
/// transformers/models/*/image_processing_pil_*.py) and rejection of bad values with typed errors.
@Suite struct ImageProcessorConfigTests {
    private func parse(_ json: String) throws -> ImageProcessorConfig {
        try ImageProcessorConfig(jsonData: Data(json.utf8), path: "test.json")
    }

    private func rejects(_ json: String, mentioning fragment: String) {
        do {
            _ = try parse(json)
            Issue.record("accepted \(json)")
        } catch let VisionEncoderError.invalidPreprocessorConfig(path, reason) {
            #expect(path == "test.json")
            #expect(reason.contains(fragment), "reason '\(reason)' lacks '\(fragment)'")
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func clipDefaults() throws {
        let c = try parse(#"{"image_processor_type": "CLIPImageProcessor"}"#)
        #expect(c.size == .shortestEdge(224))
        #expect(c.cropSize == CropSize(height: 224, width: 224))
        #expect(c.resample == .bicubic && c.doCenterCrop && c.doConvertRGB && !c.doPad)
        #expect(c.imageMean == [0.48145466, 0.4578275, 0.40821073])
        #expect(c.imageStd == [0.26862954, 0.26130258, 0.27577711])
        #expect(c.rescaleFactor == 1.0 / 255.0)
    }

    @Test func classDefaults() throws {
        let vit = try parse(#"{"image_processor_type": "ViTImageProcessor"}"#)
        #expect(vit.size == .exact(height: 224, width: 224) && vit.resample == .bilinear)
        #expect(!vit.doConvertRGB && !vit.doCenterCrop && vit.imageMean == [0.5, 0.5, 0.5])
        let siglip = try parse(#"{"image_processor_type": "SiglipImageProcessor"}"#)
        #expect(siglip.size == .exact(height: 224, width: 224) && siglip.resample == .bicubic && siglip.doConvertRGB)
        let blip = try parse(#"{"image_processor_type": "BlipImageProcessor"}"#)
        #expect(blip.size == .exact(height: 384, width: 384) && blip.imageStd[0] == 0.26862954)
        let llava = try parse(#"{"image_processor_type": "LlavaImageProcessor"}"#)
        #expect(llava.size == .shortestEdge(224) && llava.doCenterCrop && !llava.doPad)
    }

    @Test func intSizeFollowsDefaultToSquare() throws {
        // CLIP and SigLIP say default_to_square=False, ViT and BLIP inherit True; crop_size is always square.
        #expect(try parse(#"{"image_processor_type": "CLIPImageProcessor", "size": 336, "crop_size": 336}"#).size
            == .shortestEdge(336))
        #expect(try parse(#"{"image_processor_type": "SiglipImageProcessor", "size": 384}"#).size == .shortestEdge(384))
        #expect(try parse(#"{"image_processor_type": "ViTImageProcessor", "size": 384}"#).size
            == .exact(height: 384, width: 384))
        #expect(try parse(#"{"image_processor_type": "ViTImageProcessor", "size": 384, "default_to_square": false}"#)
            .size == .shortestEdge(384))
        #expect(try parse(#"{"image_processor_type": "CLIPImageProcessor", "crop_size": 300}"#).cropSize
            == CropSize(height: 300, width: 300))
        #expect(try parse(#"{"image_processor_type": "BlipImageProcessor", "size": [200, 300]}"#).size
            == .exact(height: 200, width: 300))
    }

    @Test func nullsAndVariantsTakeDefaults() throws {
        let c = try parse("""
            {"image_processor_type": "CLIPImageProcessorFast", "resample": null, "size": {"shortest_edge": 336},
             "crop_size": {"height": 336, "width": 336}, "do_normalize": true, "image_mean": 0.5, "unknown_key": 1}
            """)
        #expect(c.processorType == .clip && c.resample == .bicubic && c.size == .shortestEdge(336))
        #expect(c.imageMean == [0.5, 0.5, 0.5])
        let legacy = try parse(#"{"feature_extractor_type": "ViTFeatureExtractor", "resample": 3}"#)
        #expect(legacy.processorType == .vit && legacy.resample == .bicubic)
    }

    @Test func badValuesAreTypedErrors() {
        rejects(#"{"image_processor_type": "Qwen2VLImageProcessor"}"#, mentioning: "not supported")
        rejects(#"{"size": 224}"#, mentioning: "image_processor_type is missing")
        rejects(#"{"image_processor_type": "ViTImageProcessor", "resample": 9}"#, mentioning: "resample 9")
        rejects(#"{"image_processor_type": "ViTImageProcessor", "size": {"height": 0, "width": 4}}"#,
                mentioning: "between 1 and")
        rejects(#"{"image_processor_type": "ViTImageProcessor", "size": {"longest_edge": 4}}"#,
                mentioning: "longest_edge")
        rejects(#"{"image_processor_type": "ViTImageProcessor", "size": {"height": 4}}"#, mentioning: "keys")
        rejects(#"{"image_processor_type": "ViTImageProcessor", "size": "big"}"#, mentioning: "size")
        rejects(#"{"image_processor_type": "ViTImageProcessor", "image_mean": [0.5, 0.5]}"#, mentioning: "3 values")
        rejects(#"{"image_processor_type": "ViTImageProcessor", "image_std": [0.5, 0, 0.5]}"#, mentioning: "non-zero")
        rejects(#"{"image_processor_type": "ViTImageProcessor", "do_resize": "yes"}"#, mentioning: "do_resize")
        rejects(#"{"image_processor_type": "ViTImageProcessor", "do_center_crop": true}"#, mentioning: "crop_size")
        rejects(#"{"image_processor_type": "ViTImageProcessor", "rescale_factor": -1}"#, mentioning: "rescale_factor")
        rejects("not json", mentioning: "JSON")
    }

    @Test func missingFileIsTypedError() {
        let url = URL(fileURLWithPath: "/nonexistent/preprocessor_config.json")
        #expect(throws: VisionEncoderError.self) { try ImageProcessorConfig(contentsOf: url) }
    }
}
