// Kubernetes name formats (RFC 1123/1035 names, qualified names, label values, IANA port names), in apimachinery's words.

const LABEL_1123 = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const SUBDOMAIN_1123 = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_1035 = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const QUALIFIED_NAME_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** Each check returns the reasons a value is invalid; an empty list means valid. */
export type NameCheck = (value: string) => string[];

export const dns1123Label: NameCheck = (v) => {
  const out: string[] = [];
  if (v.length > 63) out.push('must be no more than 63 characters');
  if (!LABEL_1123.test(v)) {
    out.push(
      "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name' or '123-abc')",
    );
  }
  return out;
};

export const dns1123Subdomain: NameCheck = (v) => {
  const out: string[] = [];
  if (v.length > 253) out.push('must be no more than 253 characters');
  if (!SUBDOMAIN_1123.test(v)) {
    out.push(
      "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com')",
    );
  }
  return out;
};

export const dns1035Label: NameCheck = (v) => {
  const out: string[] = [];
  if (v.length > 63) out.push('must be no more than 63 characters');
  if (!LABEL_1035.test(v)) {
    out.push(
      "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name' or 'abc-123')",
    );
  }
  return out;
};

/** `[prefix/]name`: label keys, annotation keys, selector keys. */
export const qualifiedName: NameCheck = (v) => {
  const parts = v.split('/');
  let name = v;
  const out: string[] = [];
  if (parts.length === 2) {
    const prefix = parts[0] ?? '';
    name = parts[1] ?? '';
    if (prefix.length === 0) out.push('prefix part must be non-empty');
    else for (const m of dns1123Subdomain(prefix)) out.push(`prefix part ${m}`);
  } else if (parts.length > 2) {
    return [
      "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character, with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
    ];
  }
  if (name.length === 0) out.push('name part must be non-empty');
  else {
    if (name.length > 63) out.push('name part must be no more than 63 characters');
    if (!QUALIFIED_NAME_PART.test(name)) {
      out.push(
        "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName', or 'my.name', or '123-abc')",
      );
    }
  }
  return out;
};

export const labelValue: NameCheck = (v) => {
  const out: string[] = [];
  if (v.length > 63) out.push('must be no more than 63 characters');
  if (!LABEL_VALUE.test(v)) {
    out.push(
      "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue', or 'my_value', or '12345')",
    );
  }
  return out;
};

/** RFC 6335 service name as Kubernetes checks it (`IsValidPortName`): lower case only. */
export const ianaPortName: NameCheck = (v) => {
  const out: string[] = [];
  if (v.length > 15) out.push('must be no more than 15 characters');
  if (!/^[-a-z0-9]+$/.test(v))
    out.push('must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)');
  else if (!/[a-z]/.test(v)) out.push('must contain at least one letter (a-z)');
  if (v.includes('--')) out.push('must not contain consecutive hyphens');
  if (v.startsWith('-') || v.endsWith('-')) out.push('must not begin or end with a hyphen');
  return out;
};

/** Cilium's `iana.IsSvcName`: like the above but case-insensitive (Cilium lower-cases the name). */
export function isCiliumServiceName(v: string): boolean {
  return v.length > 0 && v.length <= 15 && /^([a-zA-Z0-9]-?)*[a-zA-Z](-?[a-zA-Z0-9])*$/.test(v);
}

/** `"value" is not a valid <what>: reason; reason`, or undefined when `check` passes. */
export function invalidName(value: string, what: string, check: NameCheck): string | undefined {
  const reasons = check(value);
  if (reasons.length === 0) return undefined;
  return `${JSON.stringify(value)} is not a valid ${what}: ${reasons.join('; ')}`;
}
