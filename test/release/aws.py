"""The calls test/release.it.test.ts makes to moto, the S3 and CloudFront stand-in (the release script
itself uses the AWS CLI), signed with moto's test credentials.

usage: python aws.py ENDPOINT create-bucket BUCKET
       python aws.py ENDPOINT objects BUCKET             {key: sha256 of its bytes} as JSON
       python aws.py ENDPOINT create-distribution        prints the Id of a new distribution
       python aws.py ENDPOINT invalidations ID           the invalidated paths, as a JSON list
"""

import hashlib
import json
import sys

import boto3


def client(service: str, endpoint: str):
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def main() -> None:
    endpoint, command, args = sys.argv[1], sys.argv[2], sys.argv[3:]
    if command == "create-bucket":
        client("s3", endpoint).create_bucket(Bucket=args[0])
    elif command == "objects":
        s3 = client("s3", endpoint)
        found = {}
        for item in s3.list_objects_v2(Bucket=args[0]).get("Contents", []):
            body = s3.get_object(Bucket=args[0], Key=item["Key"])["Body"].read()
            found[item["Key"]] = hashlib.sha256(body).hexdigest()
        print(json.dumps(found))
    elif command == "create-distribution":
        origin = "cloudtik-release-test"
        config = {
            "CallerReference": "cloudtik-release-test",
            "Comment": "stand-in for the download CDN",
            "Enabled": True,
            "Origins": {
                "Quantity": 1,
                "Items": [
                    {
                        "Id": origin,
                        "DomainName": "downloads.invalid",
                        "CustomOriginConfig": {
                            "HTTPPort": 80,
                            "HTTPSPort": 443,
                            "OriginProtocolPolicy": "https-only",
                        },
                    }
                ],
            },
            "DefaultCacheBehavior": {"TargetOriginId": origin, "ViewerProtocolPolicy": "allow-all"},
        }
        print(client("cloudfront", endpoint).create_distribution(DistributionConfig=config)["Distribution"]["Id"])
    elif command == "invalidations":
        cdn = client("cloudfront", endpoint)
        paths = []
        for item in cdn.list_invalidations(DistributionId=args[0])["InvalidationList"].get("Items", []):
            batch = cdn.get_invalidation(DistributionId=args[0], Id=item["Id"])["Invalidation"]["InvalidationBatch"]
            paths.extend(batch["Paths"].get("Items", []))
        print(json.dumps(paths))
    else:
        sys.exit(f"unknown command {command}")


main()
