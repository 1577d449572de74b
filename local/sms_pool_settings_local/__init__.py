"""Stand-ins for AWS, for running sms-pool-settings without an AWS account (the ``local`` extra).

Nothing here is used by the construct or the Lambda handler; they reach these servers only through
the SDK's standard ``AWS_ENDPOINT_URL_<SERVICE>`` variables, exactly as they reach AWS.

- ``emulator``: the End User Messaging SMS v2 API (moto has no backend for it), with the rules AWS
  documents, IAM enforcement and injectable faults. It is an independent oracle: it never imports
  the handler's rules.
- ``deploy``: a CloudFormation-like driver that deploys a synthesized CDK app to the emulator, runs
  Lambda-backed custom resources in-process and answers them over loopback HTTPS.
- ``moto_server``: moto's threaded server, for every service moto emulates (SSM, CloudWatch, ...).
- ``lambda_runtime``: the Lambda invocation contract (context, environment) for an in-process handler.
- ``response_receiver``: the loopback HTTPS server that receives custom resources' answers.
- ``offline_env``: an environment with dummy credentials and no route to AWS.
"""
