#!/bin/sh
# Downloads the price catalogue the service serves. The catalogue API wants a token.
# The token is read from the BuildKit secret file when one is mounted, else from $API_TOKEN.
set -eu
secret_file=/run/secrets/api_token
if [ -s "$secret_file" ]; then
  token=$(cat "$secret_file")
  source="secret mount"
else
  token="${API_TOKEN:-}"
  source="API_TOKEN variable"
fi
if [ -z "$token" ]; then
  echo "fetch-catalog: no API token (mount the secret api_token or set API_TOKEN)" >&2
  exit 1
fi
# A stand-in for `curl -H "Authorization: Bearer $token" https://catalog.example/v1/prices`:
# the response depends on being authorised, never contains the token itself.
mkdir -p /app/data
cat > /app/data/catalog.json <<JSON
{"authorised": true, "items": [{"sku": "mug", "price": 9.5}, {"sku": "tee", "price": 19}]}
JSON
echo "fetch-catalog: catalogue downloaded ($(wc -c < /app/data/catalog.json) bytes, token from the $source)"
