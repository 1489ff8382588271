/**
 * Which host names a certificate covers. A name matches exactly (case-insensitive, without a trailing
 * dot), or as a wildcard `*.parent` for exactly one more label: `*.auth.example.com` covers
 * `mtls.auth.example.com`, while `*.example.com` does not (RFC 6125 §6.4.3, as browsers, API Gateway and
 * CloudFront apply it; Auth0's mTLS guide warns about exactly this case).
 */

function normalize(name: string): string {
  return name.trim().toLowerCase().replace(/\.$/, '');
}

/** Whether one certificate name (`DomainName` or a SAN) covers `host`. */
export function nameCovers(certificateName: string, host: string): boolean {
  const name = normalize(certificateName);
  const target = normalize(host);
  if (name === target) return true;
  if (!name.startsWith('*.')) return false;
  const parent = name.slice(1); // ".auth.example.com"
  if (!target.endsWith(parent)) return false;
  const label = target.slice(0, -parent.length);
  return label.length > 0 && !label.includes('.');
}

/** Whether any of a certificate's names covers `host`. */
export function namesCover(certificateNames: readonly string[], host: string): boolean {
  return certificateNames.some((name) => nameCovers(name, host));
}
