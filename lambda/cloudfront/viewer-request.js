// CloudFront Function (runtime cloudfront-js-2.0), viewer request, on the custom domain's own edge.
//
// The custom domain and mtls.<domain> end at the same Auth0 forwarding target with the same
// cname-api-key, so whatever a client sends here must never be able to claim an mTLS identity or
// choose the end-user IP that Auth0 uses for brute-force protection and rate limits:
// - every client-sent copy of the headers only the edge may set is deleted (all letter cases, and the
//   key with its multiValue copies goes as a whole);
// - true-client-ip is set to exactly one address, event.viewer.ip. Auth0 reads it once the custom
//   domain's custom_client_ip_header is "true-client-ip" (docs/deploy.md#the-custom-domains-own-edge-cloudfront). X-Forwarded-For is
//   left to CloudFront, which appends the viewer address to whatever the client sent, so it cannot
//   carry exactly one trusted IP.
//
// Plain JavaScript on purpose: the runtime takes one file, no modules, no require. The
// origin custom header cname-api-key (set by the distribution) is added after this function runs.

const CLIENT_IP_HEADER = 'true-client-ip';

// Names are lower case: CloudFront presents header names lower-cased to functions. A name is compared
// with `_` read as `-`: some servers map client_certificate_ca_verified to client-certificate-ca-verified.
const EDGE_OWNED_HEADERS = [
  'client-certificate',
  'client-certificate-ca-verified',
  'cname-api-key',
  // The client IP headers Auth0 can be told to trust (custom_client_ip_header). Only true-client-ip is
  // set here; the others go so that a misconfigured custom domain still never trusts a client's value.
  'true-client-ip',
  'cf-connecting-ip',
  'x-azure-clientip',
];

async function handler(event) {
  const request = event.request;
  const viewerIp = event.viewer && event.viewer.ip;
  if (typeof viewerIp !== 'string' || viewerIp.length === 0) {
    // Fail closed: without the viewer address Auth0 would see no trusted client IP.
    return { statusCode: 400, statusDescription: 'Bad Request' };
  }

  const headers = request.headers;
  const names = Object.keys(headers);
  for (let i = 0; i < names.length; i++) {
    const name = names[i];
    if (EDGE_OWNED_HEADERS.indexOf(name.toLowerCase().replace(/_/g, '-')) !== -1) {
      delete headers[name];
    }
  }

  headers[CLIENT_IP_HEADER] = { value: viewerIp };
  return request;
}
