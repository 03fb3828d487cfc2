/**
 * How many runs a property gets: its everyday count under `npm test`, many more under
 * `npm run fuzz` (KMS_FUZZ=1). fast-check prints the seed and the shrunk case of any failure.
 */
export function runs(everyday: number, fuzz: number = everyday * 100): number {
  return process.env.KMS_FUZZ === '1' ? fuzz : everyday;
}
