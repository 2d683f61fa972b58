import { defaultPolicies, type Policies } from '@uplink/core'
import type { OpenAPIV3_1 } from 'openapi-types'
import { describe, expect, it } from 'vitest'
import { buildOpenApiDocument } from './openapi-document.ts'

type Schema = OpenAPIV3_1.SchemaObject
const bodyProps = (doc: OpenAPIV3_1.Document, path: string) => {
  const op = doc.paths?.[path]?.post as OpenAPIV3_1.OperationObject
  const body = op.requestBody as OpenAPIV3_1.RequestBodyObject
  const schema = (body.content['application/json'] ?? body.content['multipart/form-data'])
    ?.schema as Schema
  return schema.properties as Record<string, Schema>
}

describe('buildOpenApiDocument', () => {
  it('lists the purposes and content types of the policies it is given, per method', () => {
    const policies: Policies = {
      ...defaultPolicies,
      audio: { contentTypes: ['audio/mpeg'], maxBytes: 1000, methods: ['put', 'multipart'] },
    }
    const doc = buildOpenApiDocument({ publicUrl: undefined, policies })
    expect(bodyProps(doc, '/api/uploads/presign-put').purpose?.enum).toEqual([
      'audio',
      'document',
      'image',
    ])
    expect(bodyProps(doc, '/api/uploads/multipart').purpose?.enum).toEqual(['audio', 'video'])
    expect(bodyProps(doc, '/api/uploads/multipart').contentType?.enum).toContain('audio/mpeg')
    // audio does not allow post: not offered on POST /documents nor presign-post.
    expect(bodyProps(doc, '/documents').purpose?.enum).toEqual(['document', 'image'])
    expect(bodyProps(doc, '/api/uploads/presign-post').purpose?.enum).toEqual(['document', 'image'])
  })

  it('has one absolute server from the configured public URL', () => {
    const doc = buildOpenApiDocument({
      publicUrl: 'https://uplink.example.com',
      policies: defaultPolicies,
    })
    expect(doc.servers).toEqual([{ url: 'https://uplink.example.com' }])
  })

  it('declares the one Error schema for every error answer of every /api operation', () => {
    const doc = buildOpenApiDocument({ publicUrl: undefined, policies: defaultPolicies })
    expect(doc.components?.schemas?.Error).toMatchObject({
      required: ['code', 'message', 'requestId'],
    })
    for (const [path, item] of Object.entries(doc.paths ?? {})) {
      if (!path.startsWith('/api/')) continue
      for (const op of Object.values(item ?? {}) as OpenAPIV3_1.OperationObject[]) {
        for (const [status, res] of Object.entries(op.responses ?? {})) {
          if (status < '400' || status === '431') continue
          expect(
            (res as OpenAPIV3_1.ResponseObject).content?.['application/json']?.schema,
            `${op.operationId} ${status}`,
          ).toEqual({ $ref: '#/components/schemas/Error' })
        }
      }
    }
  })
})
