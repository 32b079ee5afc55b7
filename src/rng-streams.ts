// Stream numbers of the counter-based RNG, one per consumer, so no two draw the same numbers.
// The draw index inside a stream is the consumer's business (e.g. step * batch + example).
export const RngStream = {
  longTailSubset: 1,
  epochShuffle: 2,
  augmentCrop: 3,
  augmentFlip: 4,
  dropout: 5,
  pgdRandomStart: 6,
  init: 7,
  tuner: 8,
  benchInputs: 9,
  demoData: 10,
  validationSplit: 11,
} as const;
