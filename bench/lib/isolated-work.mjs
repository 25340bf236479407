// The function the isolated tools of bench/isolation.mjs run in their workers.
/** Squares `n`. */
export const square = ({ n }) => ({ value: n * n })
