#include "ui_assets.h"

namespace biomatch::server {

// Defined in the generated ui_assets_data.cc.
extern const UiAsset kUiAssets[];
extern const std::size_t kUiAssetCount;

const UiAsset* FindUiAsset(std::string_view path) {
  if (path.empty()) path = "index.html";
  for (std::size_t i = 0; i < kUiAssetCount; ++i) {
    if (kUiAssets[i].path == path) return &kUiAssets[i];
  }
  return nullptr;
}

}  // namespace biomatch::server
