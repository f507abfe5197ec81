/** A small synchronous listener list: drivers call listeners in the sampling pass, so the core reacts without delay. */
export class Listeners<T> {
  private readonly set = new Set<(value: T) => void>();

  add(listener: (value: T) => void): () => void {
    this.set.add(listener);
    return () => {
      this.set.delete(listener);
    };
  }

  /** Calls every listener; one that throws does not stop the others, its error goes to `onError`. */
  emit(value: T, onError: (err: unknown) => void = () => undefined): void {
    for (const listener of [...this.set]) {
      try {
        listener(value);
      } catch (err) {
        onError(err);
      }
    }
  }

  clear(): void {
    this.set.clear();
  }
}
