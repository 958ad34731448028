import { describe, expect, it } from 'vitest';
import { CallToolResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { CreateTaskResultSchema } from '@modelcontextprotocol/sdk/experimental/tasks';
import { agent, eventually, oneJob, tempDir } from './servers/harness-server.js';
import { toolError } from './servers/harness-client.js';
import { InProcessServer } from './servers/in-process-server.js';

/** tools/call with a task: the server answers with a task at once. */
async function callAsTask(server: InProcessServer, name: string, args: Record<string, unknown>, task: { ttl?: number } = { ttl: 60_000 }) {
  const created = await server.client.request({ method: 'tools/call', params: { name, arguments: args, task } }, CreateTaskResultSchema);
  return created.task;
}

/** Every notification method the client is sent that it has no handler of its own for (tasks/status among them). */
function recordNotifications(server: InProcessServer): string[] {
  const methods: string[] = [];
  server.client.fallbackNotificationHandler = async (notification) => void methods.push(notification.method);
  return methods;
}

describe('MCP tasks', () => {
  it('runs submit_batch and wait_for_batch as tasks: created at once, polled with tasks/get, answered by tasks/result', async () => {
    const dir = await tempDir();
    const server = await InProcessServer.start();
    const tasks = server.client.experimental.tasks;
    const submit = await callAsTask(server, 'submit_batch', oneJob(dir, [{ step_id: 'a', command: ['sleep', '0.5'] }], { batch_id: 'tasked' }));
    expect(submit.status).toBe('working');
    const submitted = await tasks.getTaskResult(submit.taskId, CallToolResultSchema);
    expect(submitted.structuredContent).toMatchObject({ batch_id: 'tasked', steps_total: 1 });

    const wait = await callAsTask(server, 'wait_for_batch', { batch_id: 'tasked', timeout_seconds: 30 });
    expect((await tasks.getTask(wait.taskId)).status).toBe('working');
    const done = await eventually(async () => {
      const task = await tasks.getTask(wait.taskId);
      return task.status === 'completed' ? task : undefined;
    }, 'the wait task to complete');
    expect(done.pollInterval).toBe(1000); // task clients are told to poll gently; plain calls are polled fast inside
    const board = await tasks.getTaskResult(wait.taskId, CallToolResultSchema);
    expect(board.structuredContent).toMatchObject({ batch_id: 'tasked', settled: true, timed_out: false, counts: { succeeded: 1 } });
    expect((await tasks.listTasks()).tasks.map((t) => t.taskId)).toEqual(expect.arrayContaining([submit.taskId, wait.taskId]));
  });

  it('sends no task traffic for plain calls: no notifications/tasks/*, and tasks/list stays empty', async () => {
    const dir = await tempDir();
    const server = await InProcessServer.start();
    await server.client.listTools();
    const methods = recordNotifications(server);
    const batchId = await server.submit(oneJob(dir, [{ step_id: 'a', command: ['true'] }]));
    await server.settled(batchId);
    // A plain call that fails (its task ends failed) is as quiet.
    const failed = await server.client.request({ method: 'tools/call', params: { name: 'wait_for_batch', arguments: { batch_id: 'no-such-batch' } } }, CallToolResultSchema);
    expect(failed.isError).toBe(true);
    // The SDK's plain-call loop answers only after it saw the task end, so a status notification would be here already.
    expect(methods.filter((m) => m.startsWith('notifications/tasks/'))).toEqual([]);
    expect((await server.client.experimental.tasks.listTasks()).tasks).toEqual([]);

    // A client that asks for a task is told of its end and finds it listed.
    const task = await callAsTask(server, 'submit_batch', oneJob(dir, [{ step_id: 'b', command: ['true'] }]));
    await eventually(async () => methods.includes('notifications/tasks/status'), 'the status notification of the asked task');
    expect((await server.client.experimental.tasks.listTasks()).tasks.map((t) => t.taskId)).toEqual([task.taskId]);
  });

  it('grants the ttl a task call asks for, up to one hour', async () => {
    const dir = await tempDir();
    const server = await InProcessServer.start();
    const table = (id: string) => oneJob(dir, [{ step_id: 'a', command: ['true'] }], { batch_id: id });
    expect((await callAsTask(server, 'submit_batch', table('one-minute'), { ttl: 60_000 })).ttl).toBe(60_000);
    const capped = await callAsTask(server, 'submit_batch', table('two-hours'), { ttl: 7_200_000 });
    expect(capped.ttl).toBe(3_600_000);
    expect((await server.client.experimental.tasks.getTask(capped.taskId)).ttl).toBe(3_600_000);
    expect((await callAsTask(server, 'submit_batch', table('unsaid'), {})).ttl).toBe(3_600_000);
  });

  it('forgets a task once its ttl has passed after it ended', async () => {
    const dir = await tempDir();
    const server = await InProcessServer.start();
    const tasks = server.client.experimental.tasks;
    const task = await callAsTask(server, 'submit_batch', oneJob(dir, [{ step_id: 'a', command: ['true'] }]), { ttl: 1 });
    await eventually(async () => (await tasks.listTasks()).tasks.length === 0, 'the task to expire');
    await expect(tasks.getTask(task.taskId)).rejects.toThrow(/Task not found/);
  });

  it('cancels the batch when a wait_for_batch task is canceled', async () => {
    const dir = await tempDir();
    const server = await InProcessServer.start();
    const batchId = await server.submit(oneJob(dir, [{ step_id: 'hang', command: [agent('hang.sh')] }]));
    await eventually(async () => (await server.ok('get_scoreboard', { batch_id: batchId })).counts.running === 1 || undefined, 'the step to run');
    const wait = await callAsTask(server, 'wait_for_batch', { batch_id: batchId, timeout_seconds: 300 });
    await server.client.experimental.tasks.cancelTask(wait.taskId);
    expect((await server.client.experimental.tasks.getTask(wait.taskId)).status).toBe('cancelled');
    const board = await server.settled(batchId);
    expect(board.counts).toMatchObject({ canceled: 1, running: 0 });
  });

  it('answers an invalid table submitted as a task with a failed task carrying every problem', async () => {
    const server = await InProcessServer.start();
    const task = await callAsTask(server, 'submit_batch', { batch_goal_summary: 'too short', jobs: [] });
    const result = await server.client.experimental.tasks.getTaskResult(task.taskId, CallToolResultSchema);
    expect(result.isError).toBe(true);
    expect(result.structuredContent).toBeUndefined();
    expect(toolError(result)).toMatchObject({ code: 'launch_table_invalid', text: expect.stringContaining('launch_table_invalid: The launch table has') });
    expect((await server.client.experimental.tasks.getTask(task.taskId)).status).toBe('failed');
  });
});
