// Upper bounds on what a sweep config may ask for. Each is far beyond the paper's experiments (200
// epochs, batch 128, 5 seeds, a few hundred jobs) and far below what would exhaust the machine before
// the first job starts (a million seeds took 2.6 GB just to plan), so a typo (1e12 epochs) is caught at
// validation rather than after hours.
export const MAX_EPOCHS = 10_000;
export const MAX_BATCH_SIZE = 65_536;
export const MAX_SEEDS = 1_000;
/** Seeds are 32-bit (src/engine/random.ts): 0..2^32-1. */
export const MAX_SEED = 2 ** 32 - 1;
export const MAX_JOBS = 20_000;
export const MAX_RETRIES = 100;
