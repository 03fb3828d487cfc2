/**
 * Secrets Manager state: secrets and their versions, kept in the emulator's one plain,
 * JSON-serializable value (see state.ts).
 */

/** One secret. (Grows with the secrets actions.) */
export interface SecretRecord {
  SecretName: string;
}

/** Operations on the secrets array the EmulatorState owns (it is replaced on load/reset). */
export class SecretStore {
  readonly #data: () => SecretRecord[];

  constructor(data: () => SecretRecord[]) {
    this.#data = data;
  }

  get secrets(): readonly SecretRecord[] {
    return this.#data();
  }
}
