// JPEG decode/encode on libjpeg-turbo with errors returned as status codes.
//
// libjpeg reports fatal errors by calling error_mgr.error_exit, which must not return. Ours longjmps to a setjmp
// in the C function that drives libjpeg (gk_jpeg_*_into), so the jump never crosses a Swift frame. Everything the
// error path needs (the libjpeg struct, output buffers) is owned by that function's caller, not by the function
// that calls setjmp, so no local has to be volatile.
#include "gk_image_codecs.h"
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jpeglib.h>
#include <jerror.h>

typedef struct {
    struct jpeg_error_mgr pub;  // first member: libjpeg hands us a pointer to it
    jmp_buf jump;
    char *message;              // GK_IMAGE_MESSAGE_SIZE bytes in the caller's struct
} gk_jpeg_error;

static void gk_jpeg_error_exit(j_common_ptr cinfo) {
    gk_jpeg_error *err = (gk_jpeg_error *)cinfo->err;
    char text[JMSG_LENGTH_MAX];
    err->pub.format_message(cinfo, text);
    snprintf(err->message, GK_IMAGE_MESSAGE_SIZE, "%s", text);
    longjmp(err->jump, 1);
}

// Warnings (level -1) are ignored like PIL ignores them, except running out of data: libjpeg would pad the rest
// of the image with gray, while PIL raises "image file is truncated". We raise too.
static void gk_jpeg_emit_message(j_common_ptr cinfo, int msg_level) {
    if (msg_level == -1 && cinfo->err->msg_code == JWRN_JPEG_EOF) {
        gk_jpeg_error *err = (gk_jpeg_error *)cinfo->err;
        snprintf(err->message, GK_IMAGE_MESSAGE_SIZE, "JPEG data is truncated (premature end of file)");
        longjmp(err->jump, 1);
    }
}

static void gk_jpeg_silent(j_common_ptr cinfo) { (void)cinfo; }

static void gk_jpeg_install_errors(gk_jpeg_error *err, char *message) {
    jpeg_std_error(&err->pub);
    err->pub.error_exit = gk_jpeg_error_exit;
    err->pub.emit_message = gk_jpeg_emit_message;
    err->pub.output_message = gk_jpeg_silent;
    err->message = message;
}

static int gk_starts_with(const jpeg_saved_marker_ptr m, const char *prefix, size_t n) {
    return m->data_length >= n && memcmp(m->data, prefix, n) == 0;
}

// EXIF: like PIL, the first "Exif\0\0" APP1 starts the block and later ones are appended. XMP: the last one wins.
static gk_image_status gk_jpeg_copy_metadata(j_decompress_ptr cinfo, gk_image *out) {
    static const char exif_id[] = "Exif\0\0";                      // 6 bytes
    static const char xmp_id[] = "http://ns.adobe.com/xap/1.0/";   // + NUL = 29 bytes
    for (jpeg_saved_marker_ptr m = cinfo->marker_list; m != NULL; m = m->next) {
        if (m->marker != JPEG_APP0 + 1) continue;
        if (gk_starts_with(m, exif_id, 6)) {
            size_t n = m->data_length - 6;
            uint8_t *grown = realloc(out->exif, out->exif_size + n + 1);
            if (grown == NULL) return GK_IMAGE_NO_MEMORY;
            memcpy(grown + out->exif_size, m->data + 6, n);
            out->exif = grown;
            out->exif_size += n;
        } else if (gk_starts_with(m, xmp_id, sizeof xmp_id)) {
            size_t n = m->data_length - sizeof xmp_id;
            free(out->xmp);
            out->xmp = malloc(n + 1);
            if (out->xmp == NULL) return GK_IMAGE_NO_MEMORY;
            memcpy(out->xmp, m->data + sizeof xmp_id, n);
            out->xmp_size = n;
        }
    }
    return GK_IMAGE_OK;
}

// PIL opens every 4-component JPEG as Adobe-inverted CMYK ("CMYK;I") and converts to RGB with
// out = nk - round(c · nk / 255), nk = 255 - k. With the inversion c = 255 - raw_c, k = 255 - raw_k.
static void gk_cmyk_row_to_rgb(const JSAMPLE *in, uint8_t *out, JDIMENSION width) {
    for (JDIMENSION x = 0; x < width; x++, in += 4, out += 3) {
        int nk = in[3];
        for (int c = 0; c < 3; c++) {
            int t = (255 - in[c]) * nk + 128;
            int v = nk - (((t >> 8) + t) >> 8);
            out[c] = (uint8_t)(v < 0 ? 0 : v);
        }
    }
}

// Runs libjpeg with the setjmp that error_exit jumps to. `cinfo` and `out` belong to the caller's frame, which the
// longjmp never leaves, so their contents are still valid after an error (C11 7.13.2.1 only makes this function's
// own locals changed after setjmp indeterminate, and none of those is read after the jump).
static gk_image_status gk_jpeg_decode_into(j_decompress_ptr cinfo, gk_jpeg_error *err, const uint8_t *data,
                                           size_t size, uint64_t pixel_limit, gk_image *out) {
    if (setjmp(err->jump)) return GK_IMAGE_INVALID;
    jpeg_create_decompress(cinfo);
    jpeg_mem_src(cinfo, data, (unsigned long)size);
    jpeg_save_markers(cinfo, JPEG_APP0 + 1, 0xFFFF);
    jpeg_read_header(cinfo, TRUE);
    // Saved markers live in libjpeg's per-image pool, which jpeg_finish_decompress frees: copy them now.
    if (gk_jpeg_copy_metadata(cinfo, out) != GK_IMAGE_OK) {
        snprintf(out->message, GK_IMAGE_MESSAGE_SIZE, "out of memory for metadata");
        return GK_IMAGE_NO_MEMORY;
    }
    out->width = (int)cinfo->image_width;
    out->height = (int)cinfo->image_height;
    if ((uint64_t)cinfo->image_width * cinfo->image_height > pixel_limit) return GK_IMAGE_TOO_LARGE;
    if (cinfo->data_precision != 8) {
        snprintf(out->message, GK_IMAGE_MESSAGE_SIZE, "%d-bit JPEG samples are not supported (only 8-bit)",
                 cinfo->data_precision);
        return GK_IMAGE_INVALID;
    }

    int cmyk = cinfo->jpeg_color_space == JCS_CMYK || cinfo->jpeg_color_space == JCS_YCCK;
    if (cinfo->jpeg_color_space == JCS_GRAYSCALE) cinfo->out_color_space = JCS_GRAYSCALE;
    else cinfo->out_color_space = cmyk ? JCS_CMYK : JCS_RGB;
    // PIL's decoder settings (also libjpeg's defaults); they decide the exact pixel values.
    cinfo->dct_method = JDCT_ISLOW;
    cinfo->do_fancy_upsampling = TRUE;
    jpeg_start_decompress(cinfo);

    out->channels = cmyk ? 3 : cinfo->output_components;
    size_t stride = (size_t)cinfo->output_width * (size_t)out->channels;
    out->pixels = malloc(stride * cinfo->output_height);
    if (out->pixels == NULL) {
        snprintf(out->message, GK_IMAGE_MESSAGE_SIZE, "out of memory for %zu pixel bytes",
                 stride * cinfo->output_height);
        return GK_IMAGE_NO_MEMORY;
    }
    // The CMYK row comes from libjpeg's pool, so jpeg_destroy_decompress frees it on every path.
    JSAMPARRAY cmyk_row = cmyk ? cinfo->mem->alloc_sarray((j_common_ptr)cinfo, JPOOL_IMAGE,
                                                          cinfo->output_width * 4, 1) : NULL;
    while (cinfo->output_scanline < cinfo->output_height) {
        uint8_t *dest = out->pixels + stride * cinfo->output_scanline;
        if (cmyk) {
            if (jpeg_read_scanlines(cinfo, cmyk_row, 1) == 1) gk_cmyk_row_to_rgb(cmyk_row[0], dest, cinfo->output_width);
        } else {
            JSAMPROW row = dest;
            jpeg_read_scanlines(cinfo, &row, 1);
        }
    }
    jpeg_finish_decompress(cinfo);
    return GK_IMAGE_OK;
}

gk_image_status gk_jpeg_decode(const uint8_t *data, size_t size, uint64_t pixel_limit, gk_image *out) {
    memset(out, 0, sizeof *out);
    struct jpeg_decompress_struct cinfo;
    gk_jpeg_error err;
    memset(&cinfo, 0, sizeof cinfo);  // lets jpeg_destroy_decompress run even if jpeg_create_decompress failed
    cinfo.err = &err.pub;
    gk_jpeg_install_errors(&err, out->message);
    gk_image_status status = gk_jpeg_decode_into(&cinfo, &err, data, size, pixel_limit, out);
    jpeg_destroy_decompress(&cinfo);
    if (status != GK_IMAGE_OK) gk_image_free(out);
    return status;
}

// Runs libjpeg with the setjmp that error_exit jumps to. `cinfo`, `buffer` and `size` belong to the caller's frame,
// which the longjmp never leaves, so libjpeg's updates to them (jpeg_mem_dest grows the buffer) stay valid.
static gk_image_status gk_jpeg_encode_into(j_compress_ptr cinfo, gk_jpeg_error *err, const uint8_t *pixels,
                                           int width, int height, int channels, int quality,
                                           unsigned char **buffer, unsigned long *size) {
    if (setjmp(err->jump)) return GK_IMAGE_INVALID;
    jpeg_create_compress(cinfo);
    jpeg_mem_dest(cinfo, buffer, size);
    cinfo->image_width = (JDIMENSION)width;
    cinfo->image_height = (JDIMENSION)height;
    cinfo->input_components = channels;
    cinfo->in_color_space = channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_set_defaults(cinfo);
    jpeg_set_quality(cinfo, quality, TRUE);
    jpeg_start_compress(cinfo, TRUE);
    size_t stride = (size_t)width * (size_t)channels;
    while (cinfo->next_scanline < cinfo->image_height) {
        // libjpeg only reads the rows; its API type is non-const.
        JSAMPROW row = (JSAMPROW)(uintptr_t)(pixels + stride * cinfo->next_scanline);
        jpeg_write_scanlines(cinfo, &row, 1);
    }
    jpeg_finish_compress(cinfo);
    return GK_IMAGE_OK;
}

gk_image_status gk_jpeg_encode(const uint8_t *pixels, int width, int height, int channels, int quality,
                               gk_encoded *out) {
    memset(out, 0, sizeof *out);
    if (channels != 1 && channels != 3) {
        snprintf(out->message, GK_IMAGE_MESSAGE_SIZE, "JPEG needs 1 or 3 channels, got %d", channels);
        return GK_IMAGE_INVALID;
    }
    struct jpeg_compress_struct cinfo;
    gk_jpeg_error err;
    memset(&cinfo, 0, sizeof cinfo);
    cinfo.err = &err.pub;
    gk_jpeg_install_errors(&err, out->message);
    unsigned char *buffer = NULL;
    unsigned long size = 0;
    gk_image_status status = gk_jpeg_encode_into(&cinfo, &err, pixels, width, height, channels, quality,
                                                 &buffer, &size);
    jpeg_destroy_compress(&cinfo);
    if (status != GK_IMAGE_OK) {
        free(buffer);
        return status;
    }
    out->data = buffer;
    out->size = size;
    return GK_IMAGE_OK;
}
