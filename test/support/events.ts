/** The API Gateway event builder lives in stand-ins/ (the benchmark uses it too); one copy. */
export * from '../../stand-ins/events';
