// Numbers the end-to-end tests share.

// The book's PRIME_FIXTURE with its answers.
export const FIXTURE = [
  ['2', true], ['142702110479723', true], ['299593572317531', true], ['3333333333333301', true],
  ['3333333333333333', false], ['3333335652092209', false], ['4444444444444423', true], ['4444444444444444', false],
  ['4444444488888889', false], ['5555553133149889', false], ['5555555555555503', true], ['5555555555555555', false],
  ['6666666666666666', false], ['6666666666666719', true], ['6666667141414921', false], ['7777777536340681', false],
  ['7777777777777753', true], ['7777777777777777', false], ['9999999999999917', true], ['9999999999999999', false],
];

// Eight primes near 2^62: about 2.5 s each, so a stop lands mid-check.
export const HEAVY = ['4611686018427387847', '4611686018427387817', '4611686018427387787', '4611686018427387733',
  '4611686018427387709', '4611686018427387701', '4611686018427387761', '4611686018427387751'];

/**
 * An independent oracle for the tests: deterministic Miller-Rabin on BigInt
 * (the first 12 primes as bases decide every n < 3.3 × 10^24), so that no
 * expected answer is taken from the code under test.
 */
export function isPrime(n) {
  n = BigInt(n);
  if (n < 2n) return false;
  const bases = [2n, 3n, 5n, 7n, 11n, 13n, 17n, 19n, 23n, 29n, 31n, 37n];
  for (const p of bases) if (n % p === 0n) return n === p;
  let d = n - 1n;
  let s = 0;
  while (d % 2n === 0n) { d /= 2n; s++; }
  const power = (b, e) => {
    let r = 1n;
    for (b %= n; e > 0n; e >>= 1n, b = (b * b) % n) if (e & 1n) r = (r * b) % n;
    return r;
  };
  next: for (const a of bases) {
    let x = power(a, d);
    if (x === 1n || x === n - 1n) continue;
    for (let i = 1; i < s; i++) {
      x = (x * x) % n;
      if (x === n - 1n) continue next;
    }
    return false;
  }
  return true;
}

/** The integer square root of a BigInt (Newton's method). */
export function isqrt(n) {
  n = BigInt(n);
  if (n < 2n) return n;
  let x = n;
  let y = (x + 1n) / 2n;
  while (y < x) { x = y; y = (x + n / x) / 2n; }
  return x;
}
