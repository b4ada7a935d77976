#include "gk_image_codecs.h"
