import {
  DeleteMessageCommand,
  type Message,
  ReceiveMessageCommand,
  SQSClient,
  type SQSClientConfig,
} from '@aws-sdk/client-sqs'
import type { Logger } from '@uplink/core'

export interface SqsConsumerOptions {
  queueUrl: string
  /** Omit for AWS; set for ElasticMQ, LocalStack and the like. */
  endpoint?: string | undefined
  region: string
  credentials?: { accessKeyId: string; secretAccessKey: string } | undefined
  /** Long-poll wait, seconds (SQS allows 0–20). */
  waitTimeSeconds?: number
  /** Leave a failed message invisible for this long before it is redelivered (seconds). */
  visibilityTimeoutSeconds?: number
  /** Handles one message body; resolve = handled (the message is deleted), throw = redeliver. */
  handle(body: string, message: Message): Promise<void>
  log: Logger
}

export interface SqsConsumer {
  start(): void
  /** Stops after the current receive (up to one long-poll wait) and handling finish. */
  stop(): Promise<void>
  /** One receive → handle → delete round; returns how many messages were deleted. */
  pollOnce(): Promise<number>
}

/**
 * Long-polls an SQS queue fed by S3 event notifications. A message is deleted only after it
 * was handled; a failure leaves it to reappear after the visibility timeout, and the queue's
 * redrive policy moves it to a dead-letter queue after maxReceiveCount tries.
 */
export function createSqsConsumer(options: SqsConsumerOptions): SqsConsumer {
  const config: SQSClientConfig = {
    region: options.region,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
  }
  const client = new SQSClient(config)
  const { log, queueUrl } = options
  let running = false
  let loop: Promise<void> = Promise.resolve()
  let abort = new AbortController()

  async function handleOne(message: Message): Promise<boolean> {
    try {
      await options.handle(message.Body ?? '', message)
    } catch (err) {
      log.warn({ err, messageId: message.MessageId }, 'SQS message failed; it will be redelivered')
      return false
    }
    await client.send(
      new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }),
    )
    return true
  }

  async function pollOnce(): Promise<number> {
    const res = await client.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: options.waitTimeSeconds ?? 20,
        ...(options.visibilityTimeoutSeconds !== undefined
          ? { VisibilityTimeout: options.visibilityTimeoutSeconds }
          : {}),
      }),
      { abortSignal: abort.signal },
    )
    const done = await Promise.all((res.Messages ?? []).map(handleOne))
    return done.filter(Boolean).length
  }

  async function run() {
    while (running) {
      try {
        await pollOnce()
      } catch (err) {
        if (!running) break
        log.error({ err }, 'SQS receive failed')
        await new Promise((r) => setTimeout(r, 5000))
      }
    }
  }

  return {
    start() {
      if (running) return
      running = true
      abort = new AbortController()
      loop = run()
    },
    async stop() {
      running = false
      abort.abort()
      await loop
      client.destroy()
    },
    pollOnce,
  }
}
