#ifndef ALIVED_CFFMPEG_SHIM_H
#define ALIVED_CFFMPEG_SHIM_H
#include <libavformat/avformat.h>
#include <libavdevice/avdevice.h>
#include <libavutil/opt.h>
#include <libavutil/imgutils.h>
#include <libavutil/channel_layout.h>
#include <libavcodec/avcodec.h>
#include <libavutil/avutil.h>
#include <libavutil/error.h>
#include <libavutil/mathematics.h>
#include <libavutil/log.h>
#include <libswscale/swscale.h>

// Macros Swift cannot import, re-exported as constants and functions.
static const int64_t cffmpeg_nopts_value = AV_NOPTS_VALUE;
static inline int cffmpeg_averror(int e) { return AVERROR(e); }
static const int cffmpeg_error_eof = AVERROR_EOF;
static const int cffmpeg_error_invaliddata = AVERROR_INVALIDDATA;
#endif
