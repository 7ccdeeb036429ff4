import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { type CallBudget, callAws } from './call.js';
import { type AwsClientOptions, clientConfig } from './config.js';

/**
 * The Lambda port: a synchronous invocation of one published version, within the caller's budget
 * (`callAws`). Errors are thrown to the caller; a function error is an answer, not an error.
 */

/** One version of a function to invoke, and the event it is sent. */
export interface InvokeRequest {
  functionName: string;
  /** A version number: a hook invokes the version traffic moves to, never the alias. */
  qualifier: string;
  /** The event, as JSON text. */
  payload: string;
}

/** What Invoke answered (https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html). */
export interface InvokeAnswer {
  statusCode?: number;
  /** `Unhandled` or `Handled` when the function failed; its payload then describes the error. */
  functionError?: string;
  /** The version that ran. */
  executedVersion?: string;
  /** The function's response, or its error object, as text. */
  payload: string;
}

export interface LambdaPort {
  /** Invoke (RequestResponse); `budget.attempts: 1` keeps a slow invocation from running twice. */
  invoke(request: InvokeRequest, budget: CallBudget): Promise<InvokeAnswer>;
}

/** The Lambda port over a client built from the service's client settings. */
export const createLambdaPort = (options: AwsClientOptions = {}): LambdaPort =>
  lambdaPortOver(new LambdaClient(clientConfig(options)));

/** The port over a given client (tests hand in one behind aws-sdk-client-mock). */
export const lambdaPortOver = (client: LambdaClient): LambdaPort => ({
  async invoke(request, budget) {
    const answer = await callAws(
      (abortSignal) =>
        client.send(
          new InvokeCommand({
            FunctionName: request.functionName,
            Qualifier: request.qualifier,
            InvocationType: 'RequestResponse',
            Payload: new TextEncoder().encode(request.payload),
          }),
          { abortSignal },
        ),
      budget,
    );
    return {
      statusCode: answer.StatusCode,
      functionError: answer.FunctionError,
      executedVersion: answer.ExecutedVersion,
      payload: answer.Payload ? new TextDecoder().decode(answer.Payload) : '',
    };
  },
});
