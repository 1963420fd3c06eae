/*
 * The HdrHistogram bucket layout the engine records into.
 */
#include "internal.h"

#include <math.h>

int32_t hg_hist_counts_len(void) { return HIST_COUNTS_LEN; }

int32_t hg_hist_index(int64_t value) { return hist_index(value); }

int64_t hg_hist_value_at_index(int32_t index) {
    int32_t bucket = (index >> HIST_SUB_BUCKET_HALF_COUNT_MAGNITUDE) - 1;
    int32_t sub = (index & (HIST_SUB_BUCKET_HALF_COUNT - 1)) + HIST_SUB_BUCKET_HALF_COUNT;
    if (bucket < 0) {
        sub -= HIST_SUB_BUCKET_HALF_COUNT;
        bucket = 0;
    }
    return (int64_t)sub << (bucket + HIST_UNIT_MAGNITUDE);
}

int hist_layout_check(void) {
    /* The definition, as HdrHistogram_c's hdr_calculate_bucket_config states it. */
    int64_t largest_single_unit = 2 * (int64_t)pow(10, HG_HIST_SIGFIGS);
    int sub_bucket_count_magnitude = (int)ceil(log2((double)largest_single_unit));
    int sub_bucket_half_count_magnitude = (sub_bucket_count_magnitude > 1 ? sub_bucket_count_magnitude : 1) - 1;
    int unit_magnitude = (int)floor(log2((double)HG_HIST_LOWEST));
    int64_t sub_bucket_count = (int64_t)1 << (sub_bucket_half_count_magnitude + 1);
    int64_t smallest_untrackable = sub_bucket_count << unit_magnitude;
    int32_t buckets_needed = 1;
    while (smallest_untrackable <= HG_HIST_HIGHEST) {
        if (smallest_untrackable > INT64_MAX / 2) {
            buckets_needed++;
            break;
        }
        smallest_untrackable <<= 1;
        buckets_needed++;
    }
    int32_t counts_len = (buckets_needed + 1) * (int32_t)(sub_bucket_count / 2);
    if (unit_magnitude != HIST_UNIT_MAGNITUDE) return -1;
    if (sub_bucket_half_count_magnitude != HIST_SUB_BUCKET_HALF_COUNT_MAGNITUDE) return -1;
    if (sub_bucket_count / 2 != HIST_SUB_BUCKET_HALF_COUNT) return -1;
    if (((sub_bucket_count - 1) << unit_magnitude) != HIST_SUB_BUCKET_MASK) return -1;
    if (counts_len != HIST_COUNTS_LEN) return -1;
    return 0;
}
