// Tests use the local in-memory Store adapter.
export * from '../../../functions/adapters/local/memory-store';
