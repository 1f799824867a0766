// ATen's spelling of c10's TensorOptions header.
#pragma once

#include "c10/core/TensorOptions.h"
