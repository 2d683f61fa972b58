import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs'
import { defaultPolicies } from '@uplink/core'
import { findDocumentById, migrateToLatest } from '@uplink/db'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { jobsDb } from '../src/job-queue.ts'
import { enqueueObjectCreated } from '../src/object-created.ts'
import { createEventsRuntime, type EventsRuntime } from '../src/runtime.ts'
import { parseS3Notification } from '../src/s3-event.ts'
import { createSqsConsumer } from '../src/sqs-consumer.ts'
import { pdf, pendingDocument, putObject } from './support/documents.ts'
import { type RunningSqs, startElasticMq } from './support/elasticmq.ts'
import { type TestEnv, testEnv } from './support/env.ts'

let env: TestEnv
let sqs: RunningSqs
let client: SQSClient
let events: EventsRuntime
beforeAll(async () => {
  ;[env, sqs] = await Promise.all([testEnv(), startElasticMq()])
  client = new SQSClient({
    endpoint: sqs.endpoint,
    region: sqs.region,
    credentials: sqs.credentials,
  })
  events = createEventsRuntime(
    { db: env.db, storage: env.storage, policies: defaultPolicies, log: env.log },
    { worker: true, reconcileIntervalMinutes: 0, orphanGraceMs: 0, multipartMaxAgeMs: 0 },
  )
}, 600_000)
afterAll(async () => {
  client?.destroy()
  await Promise.all([env?.close(), sqs?.stop()])
})

let queues = 0
/** A queue whose messages go to a dead-letter queue after two failed receives. */
async function queue() {
  const n = ++queues
  const dlq = await client.send(new CreateQueueCommand({ QueueName: `uplink-dlq-${n}` }))
  const dlqArn = `arn:aws:sqs:${sqs.region}:000000000000:uplink-dlq-${n}`
  const main = await client.send(
    new CreateQueueCommand({
      QueueName: `uplink-events-${n}`,
      Attributes: {
        VisibilityTimeout: '1',
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 2 }),
      },
    }),
  )
  return { url: main.QueueUrl!, dlqUrl: dlq.QueueUrl! }
}

const s3Event = (key: string) =>
  JSON.stringify({
    Records: [
      {
        eventName: 'ObjectCreated:Put',
        s3: { bucket: { name: env.storage.bucket }, object: { key, size: pdf.length, eTag: 'e' } },
      },
    ],
  })

async function depth(url: string) {
  const res = await client.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  )
  return (
    Number(res.Attributes?.ApproximateNumberOfMessages) +
    Number(res.Attributes?.ApproximateNumberOfMessagesNotVisible)
  )
}

describe('SQS consumer (ElasticMQ)', () => {
  it('confirms the row for a real object and deletes the message', async () => {
    const q = await queue()
    const doc = await pendingDocument(env.db, { body: pdf, contentType: 'application/pdf' })
    await putObject(env.storage, doc.objectKey, pdf, 'application/pdf')
    await client.send(
      new SendMessageCommand({ QueueUrl: q.url, MessageBody: s3Event(doc.objectKey) }),
    )
    const consumer = createSqsConsumer({
      queueUrl: q.url,
      endpoint: sqs.endpoint,
      region: sqs.region,
      credentials: sqs.credentials,
      waitTimeSeconds: 1,
      log: env.log,
      handle: async (body) => void (await events.receive(parseS3Notification(JSON.parse(body)))),
    })
    try {
      expect(await consumer.pollOnce()).toBe(1)
      while ((await events.worker!.runOnce()) > 0) {}
      expect((await findDocumentById(env.db, doc.id))?.status).toBe('ready')
      expect(await depth(q.url)).toBe(0)
    } finally {
      await consumer.stop()
    }
  })

  it('redelivers a message whose handling failed, and deletes it once handling works', async () => {
    const q = await queue()
    // A real failure: the database has no jobs table until it is migrated.
    const fresh = await testEnv({ migrate: false })
    const consumer = createSqsConsumer({
      queueUrl: q.url,
      endpoint: sqs.endpoint,
      region: sqs.region,
      credentials: sqs.credentials,
      waitTimeSeconds: 1,
      // A failed message is visible again at once: the test needs no wait for its redelivery.
      visibilityTimeoutSeconds: 0,
      log: fresh.log,
      handle: async (body) =>
        void (await enqueueObjectCreated(fresh.db, parseS3Notification(JSON.parse(body)))),
    })
    try {
      await client.send(
        new SendMessageCommand({ QueueUrl: q.url, MessageBody: s3Event('a/document/x') }),
      )
      expect(await consumer.pollOnce()).toBe(0)
      expect(await depth(q.url)).toBe(1)
      await migrateToLatest(fresh.db)
      expect(await consumer.pollOnce()).toBe(1)
      expect(await depth(q.url)).toBe(0)
      const jobs = await jobsDb(fresh.db).selectFrom('jobs').select('key').execute()
      expect(jobs).toEqual([{ key: `object-created:${env.storage.bucket}/a/document/x:e` }])
    } finally {
      await consumer.stop()
      await fresh.close()
    }
  })

  it('leaves a message that keeps failing to the redrive policy: it ends in the dead-letter queue', async () => {
    const q = await queue()
    const consumer = createSqsConsumer({
      queueUrl: q.url,
      endpoint: sqs.endpoint,
      region: sqs.region,
      credentials: sqs.credentials,
      waitTimeSeconds: 1,
      visibilityTimeoutSeconds: 0,
      log: env.log,
      handle: async (body) => void (await events.receive(parseS3Notification(JSON.parse(body)))),
    })
    try {
      await client.send(new SendMessageCommand({ QueueUrl: q.url, MessageBody: 'not json' }))
      // Two failed receives, then the third finds it moved to the dead-letter queue.
      for (let i = 0; i < 3; i++) expect(await consumer.pollOnce()).toBe(0)
      const dead = await client.send(
        new ReceiveMessageCommand({ QueueUrl: q.dlqUrl, WaitTimeSeconds: 1 }),
      )
      expect(dead.Messages?.map((m) => m.Body)).toEqual(['not json'])
    } finally {
      await consumer.stop()
    }
  })
})
