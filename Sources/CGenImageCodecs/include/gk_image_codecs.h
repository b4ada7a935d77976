// libjpeg-turbo / libpng wrappers whose error paths return codes instead of exit()/longjmp into Swift.
//
// Every function catches the library's fatal errors with setjmp inside itself, so no longjmp ever crosses a
// Swift frame, and reports them as a status plus a message in `message` (NUL-terminated, truncated to fit).
#ifndef GK_IMAGE_CODECS_H
#define GK_IMAGE_CODECS_H
#include <stddef.h>
#include <stdint.h>

#define GK_IMAGE_MESSAGE_SIZE 200

typedef enum {
    GK_IMAGE_OK = 0,
    GK_IMAGE_INVALID = 1,    // malformed, truncated or unsupported data; see message
    GK_IMAGE_TOO_LARGE = 2,  // width × height above pixel_limit; width/height are set, nothing was allocated
    GK_IMAGE_NO_MEMORY = 3,
} gk_image_status;

/// A decoded image: 8-bit interleaved pixels plus the metadata Swift needs for EXIF orientation.
/// All buffers are malloc'd by the decoder; release them with gk_image_free.
typedef struct {
    int width, height, channels;  // channels: 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA
    uint8_t *pixels;              // height × width × channels bytes
    uint8_t *exif;                // TIFF data of the EXIF block (JPEG APP1 after "Exif\0\0", PNG eXIf), or NULL
    size_t exif_size;
    uint8_t *xmp;                 // XMP packet (JPEG APP1, PNG iTXt XML:com.adobe.xmp), or NULL
    size_t xmp_size;
    char message[GK_IMAGE_MESSAGE_SIZE];
} gk_image;

/// Decodes a JPEG from memory the way PIL does (islow IDCT, fancy upsampling): gray → 1 channel, YCbCr/RGB → 3,
/// CMYK/YCCK (Adobe inverted polarity, as PIL assumes) → 3 channels converted with PIL's CMYK→RGB formula.
/// Refuses images above pixel_limit right after the header, before any pixel memory is allocated.
gk_image_status gk_jpeg_decode(const uint8_t *data, size_t size, uint64_t pixel_limit, gk_image *out);

/// Decodes a PNG from memory the way PIL's `Image.open(...)` + `convert` sees it: gray (any depth) → 1 channel
/// (16-bit clipped to 255 like PIL's I;16 → L), gray+alpha → 2, RGB → 3, RGBA → 4 (16-bit keeps the high byte),
/// palette → 3, or 4 when it has tRNS. tRNS of gray/RGB images is ignored, as PIL's convert("RGB") does.
gk_image_status gk_png_decode(const uint8_t *data, size_t size, uint64_t pixel_limit, gk_image *out);

/// Frees the buffers of an image filled by a decoder (safe on a zeroed or partially filled struct).
void gk_image_free(gk_image *image);

/// An encoded file in a malloc'd buffer; release with gk_encoded_free.
typedef struct {
    uint8_t *data;
    size_t size;
    char message[GK_IMAGE_MESSAGE_SIZE];
} gk_encoded;

/// Encodes 8-bit interleaved pixels (1–4 channels) as a non-interlaced PNG.
gk_image_status gk_png_encode(const uint8_t *pixels, int width, int height, int channels, gk_encoded *out);

/// Encodes 8-bit gray (1 channel) or RGB (3 channels) as a baseline JPEG, 4:2:0 for RGB, quality 1–100.
gk_image_status gk_jpeg_encode(const uint8_t *pixels, int width, int height, int channels, int quality,
                               gk_encoded *out);

void gk_encoded_free(gk_encoded *encoded);

#endif
