/** The API Gateway event builder lives in scripts/support (the benchmark uses it too); one copy. */
export * from '../../scripts/support/events';
