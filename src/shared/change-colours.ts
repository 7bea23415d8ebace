/** The change map's diverging colours (src/core/change.ts draws with them, the page's legend shows them). */
/** Negative: darker than at the start. */
export const CHANGE_NEGATIVE: readonly [number, number, number] = [33, 102, 172];
/** Positive: brighter than at the start. Zero is white. */
export const CHANGE_POSITIVE: readonly [number, number, number] = [178, 24, 43];
