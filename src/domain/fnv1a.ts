/** FNV-1a, 32 bits: the offset basis to start from and one step per 16-bit unit mixed in. The
 * hash stays an int32 between steps (`>>> 0` gives the unsigned value). */
export const FNV1A_OFFSET = 0x811c9dc5;
export const fnv1aStep = (hash: number, unit: number): number => Math.imul(hash ^ unit, 0x01000193);
