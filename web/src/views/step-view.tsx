/** One step of a batch. */
export function StepView({ batchId, jobId, stepId }: { batchId: string; jobId: string; stepId: string }) {
  return (
    <h1>
      {batchId} / {jobId} / {stepId}
    </h1>
  );
}
