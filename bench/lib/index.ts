export { benchRow, percentile, writeBenchResults, type BenchRow, type RowInput } from './bench-report';
