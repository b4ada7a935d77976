// Buffers shared by the JPEG and PNG wrappers.
#include "gk_image_codecs.h"
#include <stdlib.h>

void gk_image_free(gk_image *image) {
    free(image->pixels);
    free(image->exif);
    free(image->xmp);
    image->pixels = image->exif = image->xmp = NULL;
    image->exif_size = image->xmp_size = 0;
}

void gk_encoded_free(gk_encoded *encoded) {
    free(encoded->data);
    encoded->data = NULL;
    encoded->size = 0;
}
