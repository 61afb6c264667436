// The simulated medical staff: attending and ordering physicians (PV1-7, ORC-12), identified by
// made-up but well-formed NPIs. These are staff, not patients: canary mode leaves them alone.

export interface Provider {
  npi: string;
  family: string;
  given: string;
}

/** The NPI check digit: Luhn over the 9 digits prefixed with 80840 (CMS NPI check digit rule). */
export function npiWithCheckDigit(first9: string): string {
  const digits = `80840${first9}`.split('').map(Number);
  let sum = 0;
  let double = true;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits[i]!;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return first9 + String((10 - (sum % 10)) % 10);
}

const STAFF: readonly (readonly [string, string, string])[] = [
  ['100300211', 'Okafor', 'Adaeze'],
  ['100300229', 'Lindqvist', 'Erik'],
  ['100300237', 'Ramanathan', 'Priya'],
  ['100300245', 'Delacroix', 'Marc'],
  ['100300252', 'Hollis', 'Grace'],
  ['100300260', 'Nakamura', 'Kenji'],
  ['100300278', 'Abernathy', 'Ruth'],
  ['100300286', 'Castellanos', 'Diego'],
  ['100300294', 'Whitfield', 'Simone'],
  ['100300302', 'Brennan', 'Thomas'],
];

export const PROVIDERS: readonly Provider[] = STAFF.map(([id, family, given]) => ({ npi: npiWithCheckDigit(id), family, given }));
