// The local runtime is Node.js 20 (docs/reference.md#runtimes); the SDK's notice that its 2027 releases need Node.js 22
// is known (docs/reference.md#runtimes) and would drown the test output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
