// PNG decode/encode on libpng with errors returned as status codes.
//
// libpng reports fatal errors through our error callback, which longjmps to png_jmpbuf; the matching setjmp sits in
// the C function that drives libpng (gk_png_*_into), so the jump never crosses a Swift frame. What the error path
// must free is owned by that function's caller, so no local has to be volatile.
#include "gk_image_codecs.h"
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <png.h>

typedef struct {
    const uint8_t *data;
    size_t size, offset;
} gk_png_reader;

static void gk_png_error(png_structp png, png_const_charp text) {
    snprintf((char *)png_get_error_ptr(png), GK_IMAGE_MESSAGE_SIZE, "%s", text);
    png_longjmp(png, 1);
}

static void gk_png_warning(png_structp png, png_const_charp text) { (void)png; (void)text; }

static void gk_png_read(png_structp png, png_bytep dest, size_t length) {
    gk_png_reader *reader = png_get_io_ptr(png);
    if (length > reader->size - reader->offset) png_error(png, "PNG data is truncated");
    memcpy(dest, reader->data + reader->offset, length);
    reader->offset += length;
}

static uint8_t *gk_copy_bytes(const void *src, size_t n) {
    uint8_t *copy = malloc(n + 1);
    if (copy != NULL) memcpy(copy, src, n);
    return copy;
}

// eXIf and the XMP iTXt chunk, which PIL reads for the orientation tag.
static void gk_png_copy_metadata(png_structp png, png_infop info, gk_image *out) {
    png_uint_32 exif_size = 0;
    png_bytep exif = NULL;
    if (png_get_eXIf_1(png, info, &exif_size, &exif) != 0 && exif != NULL) {
        out->exif = gk_copy_bytes(exif, exif_size);
        out->exif_size = out->exif != NULL ? exif_size : 0;
    }
    png_textp text = NULL;
    int count = 0;
    png_get_text(png, info, &text, &count);
    for (int i = 0; i < count; i++) {
        if (strcmp(text[i].key, "XML:com.adobe.xmp") != 0 || text[i].text == NULL) continue;
        size_t n = strlen(text[i].text);
        free(out->xmp);
        out->xmp = gk_copy_bytes(text[i].text, n);
        out->xmp_size = out->xmp != NULL ? n : 0;
    }
}

// What the error path must release; owned by gk_png_decode, outside the function that calls setjmp.
typedef struct {
    png_structp png;
    png_infop info;
    gk_png_reader reader;
    uint8_t *wide;      // 16-bit gray samples before PIL's clip to 8 bits
    png_bytep *rows;
} gk_png_decoder;

// Runs libpng with the setjmp that gk_png_error jumps to. All state lives in `d` and `out`, owned by the caller's
// frame, which the longjmp never leaves, so it is still valid after an error (C11 7.13.2.1 only makes this
// function's own locals changed after setjmp indeterminate, and none of those is read after the jump).
static gk_image_status gk_png_decode_into(gk_png_decoder *d, uint64_t pixel_limit, gk_image *out) {
    png_structp png = d->png;
    png_infop info = d->info;
    if (setjmp(png_jmpbuf(png))) return GK_IMAGE_INVALID;
    png_set_read_fn(png, &d->reader, gk_png_read);
    png_read_info(png, info);
    png_uint_32 width, height;
    int depth, color_type;
    png_get_IHDR(png, info, &width, &height, &depth, &color_type, NULL, NULL, NULL);
    out->width = (int)width;
    out->height = (int)height;
    if ((uint64_t)width * height > pixel_limit) return GK_IMAGE_TOO_LARGE;

    // What PIL's convert sees: palette → RGB(A) with tRNS as alpha; low-bit gray scaled to 0…255;
    // 16-bit → high byte, except gray without alpha, which PIL loads as I;16 and clips (done below).
    int gray16 = color_type == PNG_COLOR_TYPE_GRAY && depth == 16;
    if (color_type == PNG_COLOR_TYPE_PALETTE) {
        png_set_palette_to_rgb(png);
        if (png_get_valid(png, info, PNG_INFO_tRNS)) png_set_tRNS_to_alpha(png);
    }
    if (color_type == PNG_COLOR_TYPE_GRAY && depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    if (depth == 16 && !gray16) png_set_strip_16(png);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);

    int channels = png_get_channels(png, info);
    size_t row_bytes = (size_t)width * (size_t)channels * (gray16 ? 2 : 1);
    if (channels < 1 || channels > 4 || png_get_rowbytes(png, info) != row_bytes) {
        png_error(png, "unexpected PNG row layout after conversion");
    }
    out->channels = channels;
    out->pixels = malloc((size_t)width * height * (size_t)channels);
    if (gray16) d->wide = malloc(row_bytes * height);
    d->rows = malloc(sizeof(png_bytep) * height);
    if (out->pixels == NULL || d->rows == NULL || (gray16 && d->wide == NULL)) {
        snprintf(out->message, GK_IMAGE_MESSAGE_SIZE, "out of memory for %ux%u pixels", width, height);
        return GK_IMAGE_NO_MEMORY;
    }
    uint8_t *target = gray16 ? d->wide : out->pixels;
    for (png_uint_32 y = 0; y < height; y++) d->rows[y] = target + row_bytes * y;
    png_read_image(png, d->rows);
    if (gray16) {
        // PIL: I;16 → L saturates at 255 (it does not rescale). libpng gives big-endian samples.
        size_t n = (size_t)width * height;
        for (size_t i = 0; i < n; i++) {
            unsigned v = ((unsigned)d->wide[2 * i] << 8) | d->wide[2 * i + 1];
            out->pixels[i] = (uint8_t)(v > 255 ? 255 : v);
        }
    }

    // Chunks after the image data (a late eXIf) are read best-effort: PIL accepts a file whose tail (IEND, CRCs)
    // is missing once the pixels are complete, so an error here keeps the image. Re-arming png_jmpbuf in this
    // function keeps the jump target inside C.
    if (setjmp(png_jmpbuf(png)) == 0) png_read_end(png, info);
    gk_png_copy_metadata(png, info, out);
    return GK_IMAGE_OK;
}

gk_image_status gk_png_decode(const uint8_t *data, size_t size, uint64_t pixel_limit, gk_image *out) {
    memset(out, 0, sizeof *out);
    if (size < 8 || png_sig_cmp(data, 0, 8) != 0) {
        snprintf(out->message, GK_IMAGE_MESSAGE_SIZE, "not a PNG (bad signature)");
        return GK_IMAGE_INVALID;
    }
    gk_png_decoder d = {NULL, NULL, {data, size, 0}, NULL, NULL};
    d.png = png_create_read_struct(PNG_LIBPNG_VER_STRING, out->message, gk_png_error, gk_png_warning);
    d.info = d.png != NULL ? png_create_info_struct(d.png) : NULL;
    gk_image_status status = GK_IMAGE_NO_MEMORY;
    if (d.info != NULL) status = gk_png_decode_into(&d, pixel_limit, out);
    else snprintf(out->message, GK_IMAGE_MESSAGE_SIZE, "out of memory for the PNG decoder");
    png_destroy_read_struct(&d.png, &d.info, NULL);
    free(d.wide);
    free(d.rows);
    if (status != GK_IMAGE_OK) gk_image_free(out);
    return status;
}

typedef struct {
    uint8_t *data;
    size_t size, capacity;
} gk_png_writer;

static void gk_png_write(png_structp png, png_bytep src, size_t length) {
    gk_png_writer *w = png_get_io_ptr(png);
    if (length > w->capacity - w->size) {
        size_t capacity = w->capacity * 2 + length + 4096;
        uint8_t *grown = realloc(w->data, capacity);
        if (grown == NULL) png_error(png, "out of memory for the PNG file");
        w->data = grown;
        w->capacity = capacity;
    }
    memcpy(w->data + w->size, src, length);
    w->size += length;
}

static void gk_png_flush(png_structp png) { (void)png; }

// Runs libpng with the setjmp that gk_png_error jumps to; `png`, `info` and `writer` are owned by the caller.
static gk_image_status gk_png_encode_into(png_structp png, png_infop info, gk_png_writer *writer,
                                          const uint8_t *pixels, int width, int height, int channels) {
    static const int color_types[] = {PNG_COLOR_TYPE_GRAY, PNG_COLOR_TYPE_GRAY_ALPHA, PNG_COLOR_TYPE_RGB,
                                      PNG_COLOR_TYPE_RGB_ALPHA};
    if (setjmp(png_jmpbuf(png))) return GK_IMAGE_INVALID;
    png_set_write_fn(png, writer, gk_png_write, gk_png_flush);
    png_set_IHDR(png, info, (png_uint_32)width, (png_uint_32)height, 8, color_types[channels - 1],
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    size_t stride = (size_t)width * (size_t)channels;
    for (int y = 0; y < height; y++) png_write_row(png, pixels + stride * (size_t)y);
    png_write_end(png, info);
    return GK_IMAGE_OK;
}

gk_image_status gk_png_encode(const uint8_t *pixels, int width, int height, int channels, gk_encoded *out) {
    memset(out, 0, sizeof *out);
    if (channels < 1 || channels > 4 || width < 1 || height < 1) {
        snprintf(out->message, GK_IMAGE_MESSAGE_SIZE, "cannot encode %dx%dx%d as PNG", width, height, channels);
        return GK_IMAGE_INVALID;
    }
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, out->message, gk_png_error, gk_png_warning);
    png_infop info = png != NULL ? png_create_info_struct(png) : NULL;
    gk_png_writer writer = {NULL, 0, 0};
    gk_image_status status = GK_IMAGE_NO_MEMORY;
    if (info != NULL) status = gk_png_encode_into(png, info, &writer, pixels, width, height, channels);
    else snprintf(out->message, GK_IMAGE_MESSAGE_SIZE, "out of memory for the PNG encoder");
    png_destroy_write_struct(&png, &info);
    if (status != GK_IMAGE_OK) {
        free(writer.data);
        return status;
    }
    out->data = writer.data;
    out->size = writer.size;
    return GK_IMAGE_OK;
}
