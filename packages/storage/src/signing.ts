/**
 * `@uplink/storage/signing`: the presigning layer alone (no S3 client, no I/O), for code that
 * measures or swaps the signer — the presign bench.
 */
export { createObjectSigner, type ObjectSigner, type PresignFn } from './object-signer.ts'
export { presignGet, presignPut, presignUploadPart } from './presign.ts'
export { type Credentials, createPresigner, type PresignInput } from './sigv4.ts'
export { createHeaderSigner, type HeaderSigner, type HeaderSignInput } from './sigv4-headers.ts'
