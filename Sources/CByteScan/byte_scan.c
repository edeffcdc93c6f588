// The scans are static inline functions in include/fs_byte_scan.h; this file gives the
// target the source file SwiftPM requires.
#include "fs_byte_scan.h"
