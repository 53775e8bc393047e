/**
 * The cache files as an attacker (or a test) rewrites them: edit what is stored, then recompute the checksums, so
 * that what reaches comply is valid to the byte and only its content is wrong. Checksums catch damage, not intent.
 */
import { createHash } from 'node:crypto';

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

const FACTS_HEADER = 'comply facts cache 6 ';
const FACTS_HEADER_LENGTH = FACTS_HEADER.length + 16 + 1 + 64 + 1;
const BLOCK = 1 << 20;

export interface FactsMeta {
  key: string;
  id?: string;
  base?: string;
  blocks: string[];
  entries: unknown[][];
}

/** A facts cache file (facts.bin or facts.journal) with its body and meta line edited, and its checksums made anew. */
export function resignFacts(buf: Buffer, edit: (parts: { body: Buffer; meta: FactsMeta }) => { body: Buffer; meta: FactsMeta } | void = () => {}): Buffer {
  const metaAt = Number(buf.toString('latin1', FACTS_HEADER.length, FACTS_HEADER.length + 16));
  let parts: { body: Buffer; meta: FactsMeta } = { body: Buffer.from(buf.subarray(FACTS_HEADER_LENGTH, metaAt)), meta: JSON.parse(buf.subarray(metaAt).toString('utf8')) as FactsMeta };
  parts = edit(parts) ?? parts;
  const { body, meta } = parts;
  meta.blocks = [];
  for (let at = 0; at < body.length; at += BLOCK) meta.blocks.push(sha256(body.subarray(at, at + BLOCK)));
  const line = Buffer.from(JSON.stringify(meta));
  const at = FACTS_HEADER_LENGTH + body.length;
  return Buffer.concat([Buffer.from(`${FACTS_HEADER}${String(at).padStart(16, '0')} ${sha256(line)}\n`), body, line]);
}

export interface ResultsBody {
  format: number;
  key: string;
  layout: string;
  paths: string;
  names: string[];
  rows: string[];
  contents: (string | null)[];
  strings: string[];
  file: unknown[][];
  project: unknown[][];
}

/** The body of a results cache file. */
export function readResults(buf: Buffer): ResultsBody {
  return (JSON.parse(buf.toString('utf8')) as { body: ResultsBody }).body;
}

/** A results cache file holding this body, with a checksum that matches it. */
export function writeResults(body: ResultsBody): Buffer {
  const bytes = Buffer.from(JSON.stringify(body));
  return Buffer.concat([Buffer.from(`{"sha256":"${sha256(bytes)}","body":`), bytes, Buffer.from('}')]);
}
