// libjpeg-turbo / libpng wrappers whose error paths return codes instead of exit()/longjmp into Swift.
#ifndef GK_IMAGE_CODECS_H
#define GK_IMAGE_CODECS_H
#include <stddef.h>
#include <stdint.h>
#endif
