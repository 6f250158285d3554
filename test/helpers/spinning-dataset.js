// A dataset whose worker copy spins forever on item `spinAt` (a hung worker, for the DataLoader
// timeout test). Plain CommonJS: worker threads require it as is, without ts-jest.
class SpinningDataset {
  constructor(options) {
    this.options = options;
    this.length = options.length;
  }
  get(i) {
    if (i === this.options.spinAt) for (;;) { /* hung */ }
    return [{ data: new Float32Array(3).fill(i), shape: [3] }, i % 2];
  }
  workerSpec() {
    return { kind: 'SpinningDataset', module: __filename, options: this.options };
  }
}
module.exports = { SpinningDataset };
